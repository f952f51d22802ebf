#ifndef FLNB_CZEROMQ_SHIM_H
#define FLNB_CZEROMQ_SHIM_H
// ZeroMQ for the Jupyter kernel's sockets (Debian libzmq3-dev).
#include <zmq.h>
#endif
