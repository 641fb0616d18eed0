/* sddd: the engine as a daemon that consumes pmacct's Kafka outputs. */
#include <stdio.h>
#include <string.h>

#include "sdd/sdd.h"

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--version") == 0) {
        printf("sddd %s\n", SDD_VERSION);
        return 0;
    }
    fprintf(stderr, "usage: sddd --version\n");
    return 2;
}
