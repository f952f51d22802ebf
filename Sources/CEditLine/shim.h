#ifndef FLNB_CEDITLINE_SHIM_H
#define FLNB_CEDITLINE_SHIM_H
#include <stdio.h>
#include <editline/readline.h>
#endif
