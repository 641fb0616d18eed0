package org.pmacct.sdd.registry;

import io.apicurio.common.apps.config.DynamicConfigPropertyList;
import java.util.Collections;
import javax.enterprise.inject.Produces;
import javax.inject.Singleton;

/**
 * The list of configuration properties that can be changed at run time
 * through the registry's admin API. Apicurio's build makes it with a Quarkus
 * extension whose build-time half does not resolve here; the tests change no
 * property at run time, so the list is empty and every property keeps the
 * value it was started with.
 */
public class NoDynamicConfig {
    @Produces
    @Singleton
    DynamicConfigPropertyList dynamicConfigProperties() {
        return new DynamicConfigPropertyList(Collections.emptyList());
    }
}
