#include "tables.h"
int part4(int x) { return x * TABLE4 + 4; }
