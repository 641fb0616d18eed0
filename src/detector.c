/* detector.c: helpers every detector shares. */
#include <math.h>

#include "detector.h"

double sdd_window_sum(const sdd_detect_input *in, int metric, int64_t first, int n, int *complete)
{
    double chunk[64], sum = 0;
    int present = 0;

    for (int done = 0; done < n;) {
        int len = n - done < 64 ? n - done : 64;
        present += in->series(in->ctx, metric, first + done, len, chunk);
        for (int i = 0; i < len; i++)
            if (!isnan(chunk[i]))
                sum += chunk[i];
        done += len;
    }
    *complete = present == n;
    return sum;
}
