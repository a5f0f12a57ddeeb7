#include <stdio.h>
int part1(int), part2(int), part3(int), part4(int), part5(int), part6(int);
int main(void) {
    int sum = part1(1) + part2(2) + part3(3) + part4(4) + part5(5) + part6(6);
    printf("demo: sum = %d\n", sum);
    return sum == 112 ? 0 : 1;
}
