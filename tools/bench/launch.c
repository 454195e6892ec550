/*
 * bench-launch RESULT PROGRAM [ARG...]: runs PROGRAM (looked up on PATH) with this process's stdin,
 * stdout and stderr, waits for it with wait4 and writes to RESULT one line:
 *     <wall seconds> <user seconds> <sys seconds> <ru_maxrss KiB> <exit code, 128+signal if killed>
 *
 * Why a C launcher between onnxcost-bench and the measured command: on Linux a child's ru_maxrss
 * starts from the high-water RSS of the address space it was forked or vforked from (exec folds the
 * old mm's hiwater into the new process's maxrss). Spawned straight from the Swift harness, `cat`
 * would report the harness's own ~17-300 MiB. Spawned from this process (about 1 MiB), the reported
 * peak is the command's own. Built by tools/bench/run.sh: cc -O2 -o .build-bench/bench-launch launch.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

static double seconds(struct timeval tv) { return (double)tv.tv_sec + (double)tv.tv_usec / 1e6; }

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: bench-launch RESULT PROGRAM [ARG...]\n");
        return 2;
    }
    struct timespec start, end;
    pid_t pid;
    clock_gettime(CLOCK_MONOTONIC, &start);
    int code = posix_spawnp(&pid, argv[2], NULL, NULL, argv + 2, environ);
    if (code != 0) {
        fprintf(stderr, "bench-launch: %s: %s\n", argv[2], strerror(code));
        return 127;
    }
    int status = 0;
    struct rusage usage;
    while (wait4(pid, &status, 0, &usage) < 0) {
        if (errno != EINTR) {
            perror("bench-launch: wait4");
            return 127;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &end);
    double wall = (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9;
    int exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    FILE *result = fopen(argv[1], "w");
    if (!result) {
        perror("bench-launch: result file");
        return 127;
    }
    fprintf(result, "%.9f %.6f %.6f %ld %d\n", wall, seconds(usage.ru_utime), seconds(usage.ru_stime),
            usage.ru_maxrss, exit_code);
    fclose(result);
    return 0;
}
