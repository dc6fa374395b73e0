/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A fixed PKI for the engine fuzz target's certificate mode (the unit tests
 * make theirs at test time; a fuzz input must replay the same way for
 * ever, so this one is fixed, valid 2026-12-03 .. 2046-11-28, and the
 * target's wall clock is FUZZ_PKI_WALL_TIME). Test keys only: made with
 *   openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256
 *   root: self-signed CA "C=CH, O=conduit fuzz, CN=Fuzz Root"
 *   ee:   "C=CH, O=conduit fuzz, CN=fuzz.example.org", SAN DNS:fuzz.example.org,
 *         keyUsage digitalSignature, issued by root
 */
#ifndef CONDUIT_TESTS_FUZZ_PKI_H
#define CONDUIT_TESTS_FUZZ_PKI_H

#define FUZZ_PKI_WALL_TIME INT64_C(1830297600) /* 2028-01-01 */

static const char fuzz_pki_root[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBoTCCAUegAwIBAgIBATAKBggqhkjOPQQDAjA4MQswCQYDVQQGEwJDSDEVMBMG\n"
    "A1UECgwMY29uZHVpdCBmdXp6MRIwEAYDVQQDDAlGdXp6IFJvb3QwHhcNMjYxMjAz\n"
    "MDc0MTMyWhcNNDYxMTI4MDc0MTMyWjA4MQswCQYDVQQGEwJDSDEVMBMGA1UECgwM\n"
    "Y29uZHVpdCBmdXp6MRIwEAYDVQQDDAlGdXp6IFJvb3QwWTATBgcqhkjOPQIBBggq\n"
    "hkjOPQMBBwNCAAT4LvhTbGJLUIyhAVp8g9nHTx97zu0ioSG00wfu3PZC8ne+H6jr\n"
    "1hdg8JGClRuI1NRihfFgqpi3KAbiuyjdvQRpo0IwQDAPBgNVHRMBAf8EBTADAQH/\n"
    "MA4GA1UdDwEB/wQEAwIBBjAdBgNVHQ4EFgQUz110fLyVaNZtDrGdp71q8jrly40w\n"
    "CgYIKoZIzj0EAwIDSAAwRQIhAJ5b51AxZ63HtorQBZbJlGfQRfmq+DTxOOZwlwXU\n"
    "/ZF4AiB74vl6xJjrc/Fzul6pacfMHo51a0cLOLPtJ1CSBr4+7Q==\n"
    "-----END CERTIFICATE-----\n";

static const char fuzz_pki_ee[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIB3TCCAYOgAwIBAgIBAjAKBggqhkjOPQQDAjA4MQswCQYDVQQGEwJDSDEVMBMG\n"
    "A1UECgwMY29uZHVpdCBmdXp6MRIwEAYDVQQDDAlGdXp6IFJvb3QwHhcNMjYxMjAz\n"
    "MDc0MTMzWhcNNDYxMTI4MDc0MTMzWjA/MQswCQYDVQQGEwJDSDEVMBMGA1UECgwM\n"
    "Y29uZHVpdCBmdXp6MRkwFwYDVQQDDBBmdXp6LmV4YW1wbGUub3JnMFkwEwYHKoZI\n"
    "zj0CAQYIKoZIzj0DAQcDQgAEF0bexuXM+wtmp/FyXXpTN2tIDEkW6/be+1Ko0GVs\n"
    "NAdEtCOXU2TOm7uv3K8FJ89SDR44/HOZcqo5iuRx1cUwgKN3MHUwCQYDVR0TBAIw\n"
    "ADALBgNVHQ8EBAMCB4AwGwYDVR0RBBQwEoIQZnV6ei5leGFtcGxlLm9yZzAfBgNV\n"
    "HSMEGDAWgBTPXXR8vJVo1m0OsZ2nvWryOuXLjTAdBgNVHQ4EFgQUNUBehJ8bIQXj\n"
    "PVvJl2BN2Ey2KSwwCgYIKoZIzj0EAwIDSAAwRQIgJhYQzhs/VI7uc3ou6ZL9xelz\n"
    "8VlYQ+9DPlv8hP6n/bECIQCFjc/fMg23igh+8DhH8G7ROFFwoIzVzact3EDb+BTW\n"
    "6w==\n"
    "-----END CERTIFICATE-----\n";

static const char fuzz_pki_ee_key[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgKgU8qnW9a8V5nOph\n"
    "bw0EvEfYrSkbDMsqQhZzQzH+6fGhRANCAAQXRt7G5cz7C2an8XJdelM3a0gMSRbr\n"
    "9t77UqjQZWw0B0S0I5dTZM6bu6/crwUnz1INHjj8c5lyqjmK5HHVxTCA\n"
    "-----END PRIVATE KEY-----\n";

#endif
