/* sddctl: the operator's tool (replay, score, gen, label, show). */
#include <stdio.h>
#include <string.h>

#include "sdd/sdd.h"

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--version") == 0) {
        printf("sddctl %s\n", SDD_VERSION);
        return 0;
    }
    fprintf(stderr, "usage: sddctl --version\n");
    return 2;
}
