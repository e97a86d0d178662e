/** Certificates for a local cluster: a CA, serving certs and client certs (ECDSA P-256). */
import "reflect-metadata";
import { randomBytes, webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";

const algorithm = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const tenYears = 10 * 365 * 24 * 3600 * 1000;

/** A certificate and its private key, both PEM. */
export interface KeyPair {
  readonly certPem: string;
  readonly keyPem: string;
}

/** A certificate authority that can sign serving and client certificates. */
export interface CertificateAuthority extends KeyPair {
  readonly cert: x509.X509Certificate;
  readonly keys: webcrypto.CryptoKeyPair;
}

/** Subject of a client certificate: Kubernetes reads the user from CN and groups from O. */
export interface ClientIdentity {
  readonly user: string;
  readonly groups?: readonly string[];
}

// @peculiar/x509 is typed against the DOM's WebCrypto; Node's is the same API.
type X509Crypto = Parameters<typeof x509.cryptoProvider.set>[0];
type X509Keys = x509.X509CertificateCreateSelfSignedParams["keys"];
type X509Key = x509.X509CertificateCreateWithKeyParams["signingKey"];
x509.cryptoProvider.set(webcrypto as unknown as X509Crypto);

function serial(): string {
  // Positive, non-zero 16-byte serial as RFC 5280 asks.
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x01;
  return bytes.toString("hex");
}

async function newKeys(): Promise<webcrypto.CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(algorithm, true, ["sign", "verify"])) as webcrypto.CryptoKeyPair;
}

async function keyPem(key: webcrypto.CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", key));
  return x509.PemConverter.encode(der, "PRIVATE KEY");
}

/** Escapes characters that are special in an RFC 4514 distinguished name. */
function rdn(value: string): string {
  return value.replace(/[,+"\\<>;=]/g, (c) => `\\${c}`);
}

/** Creates a self-signed CA named `commonName`. */
export async function createCertificateAuthority(commonName: string): Promise<CertificateAuthority> {
  const keys = await newKeys();
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${rdn(commonName)}`,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + tenYears),
    signingAlgorithm: algorithm,
    keys: keys as unknown as X509Keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey as unknown as X509Key),
    ],
  });
  return { cert, keys, certPem: cert.toString("pem"), keyPem: await keyPem(keys.privateKey) };
}

async function issue(
  ca: CertificateAuthority,
  subject: string,
  usage: "server" | "client",
  dnsNames: readonly string[] = [],
  ips: readonly string[] = [],
): Promise<KeyPair> {
  const keys = await newKeys();
  const now = Date.now();
  const names = [
    ...dnsNames.map((value) => ({ type: "dns" as const, value })),
    ...ips.map((value) => ({ type: "ip" as const, value })),
  ];
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject,
    issuer: ca.cert.subject,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + tenYears),
    signingAlgorithm: algorithm,
    publicKey: keys.publicKey as unknown as X509Key,
    signingKey: ca.keys.privateKey as unknown as X509Key,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension(
        [usage === "server" ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth],
        false,
      ),
      ...(names.length > 0 ? [new x509.SubjectAlternativeNameExtension(names)] : []),
      await x509.AuthorityKeyIdentifierExtension.create(ca.cert),
    ],
  });
  return { certPem: cert.toString("pem"), keyPem: await keyPem(keys.privateKey) };
}

/** Issues a TLS serving certificate for the given DNS names and IP addresses. */
export function issueServingCert(
  ca: CertificateAuthority,
  commonName: string,
  dnsNames: readonly string[],
  ips: readonly string[],
): Promise<KeyPair> {
  return issue(ca, `CN=${rdn(commonName)}`, "server", dnsNames, ips);
}

/** Issues a client certificate; the apiserver authenticates it as `user` in `groups`. */
export function issueClientCert(ca: CertificateAuthority, identity: ClientIdentity): Promise<KeyPair> {
  const groups = (identity.groups ?? []).map((g) => `O=${rdn(g)}`);
  return issue(ca, [`CN=${rdn(identity.user)}`, ...groups].join(", "), "client");
}

/** A bare ECDSA key pair for signing ServiceAccount tokens, as PKCS#8 and SPKI PEM. */
export async function createSigningKey(): Promise<{ privatePem: string; publicPem: string }> {
  const keys = await newKeys();
  const spki = Buffer.from(await webcrypto.subtle.exportKey("spki", keys.publicKey));
  return { privatePem: await keyPem(keys.privateKey), publicPem: x509.PemConverter.encode(spki, "PUBLIC KEY") };
}
