/* engine.c: the engine handle. Ties inventory, slots, history, detectors and
 * the relevant-state lifecycle together; every front end drives one of these. */
#include "sdd/sdd.h"
