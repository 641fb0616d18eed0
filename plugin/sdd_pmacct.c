/* sdd_pmacct.c: adapts pmacct's custom print output to the engine. */
#include "sdd/sdd.h"
