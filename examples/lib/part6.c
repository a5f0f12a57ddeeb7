#include "tables.h"
int part6(int x) { return x * TABLE6 + 6; }
