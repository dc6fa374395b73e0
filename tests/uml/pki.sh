#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# A test PKI, made with the openssl CLI: tests/uml/pki.sh DIR
#
# Unit tests (ike/cert, daemon/creds) and UML scenarios make it at test
# time, so nothing in the tree expires. Every file lands flat in DIR (PEM):
#
#   root.crt root.key       "C=CH, O=conduit test, CN=Root CA", self-signed, ECDSA P-256
#   inter.crt inter.key     "... CN=Intermediate CA", issued by root, ECDSA P-256
#   moon.crt moon.key       ECDSA P-256, SAN moon.example.org, by inter
#   sun.crt sun.key         RSA-2048, SAN sun.example.org, by inter
#   carol.crt carol.key     Ed25519, SAN carol@example.org, by inter
#   dave.crt dave.key       ECDSA P-256 issued by root directly, with a CRL
#                           distribution point URI (for revocation = ifuri)
#   expired.crt             valid 2020-01-01 .. 2021-01-01, by inter
#   future.crt              valid from 2099-01-01, by inter
#   revoked.crt             by inter, listed in inter.crl
#   noku.crt                by inter, keyUsage keyEncipherment only
#   eku.crt                 by inter, extendedKeyUsage emailProtection only
#   ipsec.crt               by inter, extendedKeyUsage ipsecIKE
#   bogus.crt               issued by moon, which is no CA
#   inter2.crt inter2.key   "... CN=Intermediate CA 2", issued by root, ECDSA P-256
#   mars.crt mars.key       ECDSA P-256, SAN mars.example.org, by inter2
#   venus.crt venus.key     RSA-2048, SAN venus.example.org, by inter2
#   erin.crt erin.key       Ed25519, SAN erin.example.org, by inter2
#                           (the other gateway's certificates in the UML
#                           scenarios: each side has its own intermediate,
#                           the peer only the root)
#   frank.crt frank.key     Ed448, SAN frank.example.org, by inter
#   moon384.crt .key        ECDSA P-256, SAN moon384.example.org, by inter but
#                           signed with ECDSA SHA-384 (inter's own is SHA-256)
#   root512.crt .key        "... CN=Root CA 512", self-signed with ECDSA SHA-512
#   leaf512.crt .key        by root512, signed with ECDSA SHA-256 (chain
#                           constraints leave the anchor's own signature aside)
#   edroot.crt, edleaf.crt  an Ed25519 root and an end entity it signed (Ed25519)
#   rsaroot.crt, pssleaf.crt an RSA-2048 root and an end entity it signed
#                           with RSASSA-PSS SHA-256
#   inter2.crl              by inter2, empty
#   inter2-erin.crl         by inter2, a later one that revokes erin.crt
#   with PKI_RSA4096=1 (the UML scenarios' PKI; slow to make), a chain of
#   three RSA-4096 certificates, which makes IKE_AUTH exceed a 1280 MTU:
#   root4k.crt .key         "... CN=RSA-4096 Root CA", self-signed
#   inter4k.crt .key        "... CN=RSA-4096 Intermediate CA", by root4k
#   left4k.crt .key         SAN left4k.example.org, by inter4k
#   right4k.crt .key        SAN right4k.example.org, by inter4k
#   other-root.crt .key     another self-signed CA, unknown to the others
#   stranger.crt .key       issued by other-root
#   inter.crl               by inter (authorityKeyIdentifier, 1 day), revokes revoked.crt
#   root.crl                by root, empty
#   forged.crl              names inter as issuer, signed by other-root's key
#   moon-enc.key            moon.key as encrypted PKCS#8 (passphrase "moon-secret")
#   moon.der moon-key.der   moon.crt and moon.key as DER
#   root.keyid              SHA-1 of root's SubjectPublicKeyInfo (hex), as CERTREQ has it
#
# Every CA is a CA (basicConstraints critical, keyCertSign, cRLSign);
# end entities have keyUsage digitalSignature unless said otherwise.
set -euo pipefail

dir=${1:?usage: pki.sh DIR}
mkdir -p "$dir"
cd "$dir"
dn="/C=CH/O=conduit test"
# ext.cnf reads SAN from the environment; issue() sets it per certificate.
export SAN=DNS:unused
# openssl, quiet unless it fails
o() {
	local out
	out=$(openssl "$@" 2>&1) || { echo "pki.sh: openssl $*: $out" >&2; return 1; }
}

cat >ext.cnf <<'EOF'
[ca]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ee]
basicConstraints = CA:false
keyUsage = digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = $ENV::SAN
[ee_cdp]
basicConstraints = CA:false
keyUsage = digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = $ENV::SAN
crlDistributionPoints = URI:http://crl.example.org/root.crl
[ee_noku]
basicConstraints = CA:false
keyUsage = keyEncipherment
authorityKeyIdentifier = keyid
subjectAltName = $ENV::SAN
[ee_eku]
basicConstraints = CA:false
keyUsage = digitalSignature
extendedKeyUsage = emailProtection
authorityKeyIdentifier = keyid
subjectAltName = $ENV::SAN
[ee_ipsec]
basicConstraints = CA:false
keyUsage = digitalSignature
extendedKeyUsage = ipsecIKE
authorityKeyIdentifier = keyid
subjectAltName = $ENV::SAN
EOF

# openssl ca: one database per CA (it keeps what it issued, for CRLs).
ca_cnf() { # NAME
	mkdir -p "db-$1/new"
	: >"db-$1/index.txt"
	[ -f "db-$1/serial" ] || echo 1000 >"db-$1/serial"
	[ -f "db-$1/crlnumber" ] || echo 01 >"db-$1/crlnumber"
	cat >"ca-$1.cnf" <<EOF
[ca]
default_ca = this
[this]
dir = db-$1
database = \$dir/index.txt
new_certs_dir = \$dir/new
serial = \$dir/serial
crlnumber = \$dir/crlnumber
certificate = $1.crt
private_key = $1.key
default_md = sha256
default_days = 3650
default_crl_days = 1
crl_extensions = crl_ext
policy = any
unique_subject = no
copy_extensions = none
[crl_ext]
authorityKeyIdentifier = keyid:always
[any]
countryName = optional
organizationName = optional
commonName = supplied
[req]
distinguished_name = req_dn
[req_dn]
EOF
}

key() { # NAME ALG
	case $2 in
	ec) o genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key" ;;
	rsa) o genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1.key" ;;
	rsa4k) o genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:4096 -out "$1.key" ;;
	ed25519) o genpkey -algorithm ED25519 -out "$1.key" ;;
	ed448) o genpkey -algorithm ED448 -out "$1.key" ;;
	esac
}

# issue CA NAME CN SECTION SAN [openssl ca options...]
issue() {
	local ca=$1 name=$2 cn=$3 sect=$4 san=$5
	shift 5
	[ -f "$name.key" ] || key "$name" ec
	o req -new -key "$name.key" -subj "$dn/CN=$cn" -out "$name.csr"
	SAN=$san o ca -batch -notext -config "ca-$ca.cnf" -extfile ext.cnf -extensions "$sect" \
		-in "$name.csr" -out "$name.crt" "$@"
	rm -f "$name.csr"
}

selfsigned() { # NAME CN [ALG [HASH]]
	key "$1" "${3:-ec}"
	o req -new -x509 -key "$1.key" -subj "$dn/CN=$2" -days 3650 "-${4:-sha256}" \
		-config ext.cnf -extensions ca -out "$1.crt" -set_serial 1
	ca_cnf "$1"
}

selfsigned root "Root CA"
selfsigned other-root "Other CA"
key inter ec
issue root inter "Intermediate CA" ca "DNS:inter.example.org"
ca_cnf inter
key inter2 ec
issue root inter2 "Intermediate CA 2" ca "DNS:inter2.example.org"
ca_cnf inter2

key moon ec
issue inter moon moon.example.org ee "DNS:moon.example.org"
key sun rsa
issue inter sun sun.example.org ee "DNS:sun.example.org"
key carol ed25519
issue inter carol carol@example.org ee "email:carol@example.org"
key dave ec
issue root dave dave.example.org ee_cdp "DNS:dave.example.org"
issue inter expired expired.example.org ee "DNS:expired.example.org" \
	-startdate 20200101000000Z -enddate 20210101000000Z
issue inter future future.example.org ee "DNS:future.example.org" \
	-startdate 20990101000000Z -enddate 20991231000000Z
issue inter revoked revoked.example.org ee "DNS:revoked.example.org"
issue inter noku noku.example.org ee_noku "DNS:noku.example.org"
issue inter eku eku.example.org ee_eku "DNS:eku.example.org"
issue inter ipsec ipsec.example.org ee_ipsec "DNS:ipsec.example.org"
issue other-root stranger stranger.example.org ee "DNS:stranger.example.org"
key frank ed448
issue inter frank frank.example.org ee "DNS:frank.example.org"
issue inter moon384 moon384.example.org ee "DNS:moon384.example.org" -md sha384
selfsigned root512 "Root CA 512" ec sha512
issue root512 leaf512 leaf512.example.org ee "DNS:leaf512.example.org"
selfsigned edroot "Ed25519 Root CA" ed25519 sha512
issue edroot edleaf edleaf.example.org ee "DNS:edleaf.example.org" -md default
selfsigned rsaroot "RSA Root CA" rsa
issue rsaroot pssleaf pssleaf.example.org ee "DNS:pssleaf.example.org" \
	-sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32
key mars ec
issue inter2 mars mars.example.org ee "DNS:mars.example.org"
key venus rsa
issue inter2 venus venus.example.org ee "DNS:venus.example.org"
key erin ed25519
issue inter2 erin erin.example.org ee "DNS:erin.example.org"
if [ "${PKI_RSA4096:-0}" = 1 ]; then
	selfsigned root4k "RSA-4096 Root CA" rsa4k
	key inter4k rsa4k
	issue root4k inter4k "RSA-4096 Intermediate CA" ca "DNS:inter4k.example.org"
	ca_cnf inter4k
	for n in left4k right4k; do
		key $n rsa4k
		issue inter4k $n $n.example.org ee "DNS:$n.example.org"
	done
fi
# An end entity acting as a CA.
ca_cnf moon
issue moon bogus bogus.example.org ee "DNS:bogus.example.org"

o ca -batch -config ca-inter.cnf -revoke revoked.crt
o ca -batch -config ca-inter.cnf -gencrl -out inter.crl
o ca -batch -config ca-root.cnf -gencrl -out root.crl
o ca -batch -config ca-inter2.cnf -gencrl -out inter2.crl
o ca -batch -config ca-inter2.cnf -revoke erin.crt
o ca -batch -config ca-inter2.cnf -gencrl -out inter2-erin.crl
# A CRL that names inter as its issuer but is signed by another key.
o req -new -x509 -key other-root.key -subj "$dn/CN=Intermediate CA" -days 3650 -sha256 \
	-config ext.cnf -extensions ca -out forged.crt -set_serial 1
cp ca-inter.cnf ca-forged.cnf
sed -i -e 's/^private_key = .*/private_key = other-root.key/' \
	-e 's/^certificate = .*/certificate = forged.crt/' ca-forged.cnf
o ca -batch -config ca-forged.cnf -gencrl -out forged.crl

o pkcs8 -topk8 -in moon.key -v2 aes-256-cbc -passout pass:moon-secret -out moon-enc.key
# RFC 7296 3.7: CERTREQ names a CA by the SHA-1 of its DER SubjectPublicKeyInfo.
openssl x509 -in root.crt -noout -pubkey | openssl pkey -pubin -outform DER |
	openssl dgst -sha1 -r | cut -d' ' -f1 >root.keyid
o x509 -in moon.crt -outform DER -out moon.der
o pkey -in moon.key -outform DER -out moon-key.der

rm -rf db-* ca-*.cnf ext.cnf forged.crt
