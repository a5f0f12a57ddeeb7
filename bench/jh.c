/* jh: the job the benchmarks run.  jh LOG NAME MS sleep|spin
 * Appends "S NAME PID NS" to LOG (O_APPEND, one write(2)), sleeps MS
 * milliseconds or spins MS milliseconds of CPU, then appends "E NAME PID NS".
 * NS is CLOCK_MONOTONIC in nanoseconds (the clock Python's time.monotonic_ns
 * reads), so the runner can relate it to its own spawn times.  The order of
 * lines in LOG is the order the writes happened, which is all the in-flight
 * check needs.
 *
 * jh --spawn RESULT PROGRAM ARGS...: run PROGRAM, wait for it with wait4 and
 * write "STATUS WALL_NS UTIME_US STIME_US MAXRSS_KB" to RESULT.  The runner
 * starts makes through this small process because Linux carries ru_maxrss
 * across exec: a make forked straight from python would report python's RSS.
 *
 * jh --pool N FILE: run the commands of FILE (one per line, arguments
 * separated by single spaces, no quoting), at most N at a time, each with
 * posix_spawnp, and wait for all of them.  This is the floor of the
 * job-running scenarios: their jobs with nothing else, no makefile, no
 * sub-makes, no jobserver.  No make can run the same jobs in less wall or
 * CPU time than this, so a target below it cannot be met by any make. */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <sys/wait.h>
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

static int spawn(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: jh --spawn RESULT PROGRAM ARGS...\n");
        return 2;
    }
    long long t0 = now(CLOCK_MONOTONIC);
    pid_t pid = fork();
    if (pid < 0) { perror("fork"); return 2; }
    if (pid == 0) {
        execv(argv[3], argv + 3);
        perror(argv[3]);
        _exit(127);
    }
    int status;
    struct rusage ru;
    while (wait4(pid, &status, 0, &ru) < 0) {}
    long long wall = now(CLOCK_MONOTONIC) - t0;
    FILE *f = fopen(argv[2], "w");
    if (!f) { perror(argv[2]); return 2; }
    fprintf(f, "%d %lld %lld %lld %ld\n", status, wall,
            (long long)ru.ru_utime.tv_sec * 1000000 + ru.ru_utime.tv_usec,
            (long long)ru.ru_stime.tv_sec * 1000000 + ru.ru_stime.tv_usec, ru.ru_maxrss);
    return fclose(f) == 0 ? 0 : 2;
}

extern char **environ;

/* Splits `line` in place at single spaces into a NULL-terminated argv. */
static char **split_args(char *line) {
    size_t n = 2;
    for (char *c = line; *c; c++) n += *c == ' ';
    char **argv = malloc(n * sizeof *argv);
    if (!argv) exit(2);
    size_t i = 0;
    for (char *tok = strtok(line, " "); tok; tok = strtok(NULL, " ")) argv[i++] = tok;
    argv[i] = NULL;
    return argv;
}

static int pool(int argc, char **argv) {
    if (argc != 4 || atoi(argv[2]) < 1) {
        fprintf(stderr, "usage: jh --pool N FILE\n");
        return 2;
    }
    int slots = atoi(argv[2]);
    FILE *f = fopen(argv[3], "r");
    if (!f) { perror(argv[3]); return 2; }
    int running = 0, failed = 0;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, f)) > 0) {
        if (line[len - 1] == '\n') line[len - 1] = '\0';
        if (!*line) continue;
        char **args = split_args(line);
        if (running == slots) {
            int status;
            if (wait(&status) < 0) { perror("wait"); return 2; }
            failed |= status != 0;
            running--;
        }
        pid_t pid;
        int err = posix_spawnp(&pid, args[0], NULL, NULL, args, environ);
        if (err) fprintf(stderr, "%s: %s\n", args[0], strerror(err));
        free(args);
        if (err) { failed = 1; break; }  /* and wait for the jobs running */
        running++;
    }
    for (; running > 0; running--) {
        int status;
        if (wait(&status) < 0) { perror("wait"); return 2; }
        failed |= status != 0;
    }
    free(line);
    fclose(f);
    return failed ? 1 : 0;
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "--spawn") == 0) return spawn(argc, argv);
    if (argc > 1 && strcmp(argv[1], "--pool") == 0) return pool(argc, argv);
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
