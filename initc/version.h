#ifndef INITC_VERSION
#define INITC_VERSION "0.1.0"
#endif
