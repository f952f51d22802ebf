#ifndef FLNB_CCRYPTO_SHIM_H
#define FLNB_CCRYPTO_SHIM_H
// OpenSSL libcrypto for HMAC-SHA256 message signatures of the Jupyter protocol (Debian libssl-dev).
#include <openssl/hmac.h>
#include <openssl/evp.h>
#include <openssl/crypto.h>
#endif
