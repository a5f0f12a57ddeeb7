/* memhog LOG NAME MB RAMP_MS CPU_MS: a job that takes MB of memory, as a
 * compiler does: it grows to MB over RAMP_MS (touching every page, so the
 * memory is really used), then computes for CPU_MS of CPU time, then
 * exits. It appends "S NAME NS" when it starts and "E NAME NS" when it
 * ends to LOG (one write each, O_APPEND), from which tools/memory-cgroup
 * computes the jobs at once. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(clockid_t c) {
    struct timespec t;
    clock_gettime(c, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void say(const char *log, char kind, const char *name) {
    char line[512];
    int n = snprintf(line, sizeof line, "%c %s %lld\n", kind, name, now_ns(CLOCK_REALTIME));
    int fd = open(log, O_WRONLY | O_APPEND | O_CREAT, 0644);
    if (fd >= 0) {
        if (write(fd, line, n) != n) { /* the log is best effort */ }
        close(fd);
    }
}

int main(int argc, char **argv) {
    if (argc != 6) {
        fprintf(stderr, "usage: memhog LOG NAME MB RAMP_MS CPU_MS\n");
        return 2;
    }
    const char *log = argv[1], *name = argv[2];
    long mb = atol(argv[3]), ramp_ms = atol(argv[4]), cpu_ms = atol(argv[5]);
    say(log, 'S', name);
    const long chunk_mb = 16;
    long chunks = (mb + chunk_mb - 1) / chunk_mb;
    long pause_us = chunks ? ramp_ms * 1000 / chunks : 0;
    char **blocks = calloc(chunks ? chunks : 1, sizeof *blocks);
    for (long i = 0; i < chunks; i++) {
        size_t size = (size_t)chunk_mb << 20;
        blocks[i] = malloc(size);
        if (!blocks[i]) {
            fprintf(stderr, "memhog %s: out of memory\n", name);
            return 1;
        }
        memset(blocks[i], (int)(i & 0xff) | 1, size);
        if (pause_us) usleep(pause_us);
    }
    /* Compute, reading the memory now and then so that it stays in use. */
    long long until = now_ns(CLOCK_PROCESS_CPUTIME_ID) + cpu_ms * 1000000LL;
    volatile unsigned long sum = 0;
    long i = 0;
    while (now_ns(CLOCK_PROCESS_CPUTIME_ID) < until) {
        for (int k = 0; k < 100000; k++) sum += (unsigned long)k * 2654435761u;
        if (chunks) sum += (unsigned char)blocks[i++ % chunks][4096];
    }
    say(log, 'E', name);
    return 0;
}
