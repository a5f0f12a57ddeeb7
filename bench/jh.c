/* jh: the job the benchmarks run.  jh LOG NAME MS sleep|spin
 * Appends "S NAME PID NS" to LOG (O_APPEND, one write(2)), sleeps MS
 * milliseconds or spins MS milliseconds of CPU, then appends "E NAME PID NS".
 * NS is CLOCK_MONOTONIC in nanoseconds (the clock Python's time.monotonic_ns
 * reads), so the runner can relate it to its own spawn times.  The order of
 * lines in LOG is the order the writes happened, which is all the in-flight
 * check needs. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long long now(clockid_t c) {
    struct timespec t;
    clock_gettime(c, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void logline(int fd, char kind, const char *name) {
    char buf[512];
    int n = snprintf(buf, sizeof buf, "%c %s %d %lld\n", kind, name, (int)getpid(),
                     now(CLOCK_MONOTONIC));
    if (n > 0 && write(fd, buf, (size_t)n) != n) exit(3);
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: jh LOG NAME MS sleep|spin\n");
        return 2;
    }
    int fd = open(argv[1], O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) { perror(argv[1]); return 2; }
    long ms = atol(argv[3]);
    logline(fd, 'S', argv[2]);
    if (strcmp(argv[4], "spin") == 0) {
        long long end = now(CLOCK_PROCESS_CPUTIME_ID) + ms * 1000000LL;
        volatile unsigned x = 0;
        while (now(CLOCK_PROCESS_CPUTIME_ID) < end)
            for (int i = 0; i < 1000; i++) x += i;
    } else {
        struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
        while (nanosleep(&t, &t) != 0) {}
    }
    logline(fd, 'E', argv[2]);
    return 0;
}
