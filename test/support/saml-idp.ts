import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { inflateRawSync } from 'node:zlib';
import { SignedXml } from 'xml-crypto';

/** A SAML AuthnRequest as the identity provider reads it from the redirect. */
export interface AuthnRequest {
  id: string;
  acsUrl: string;
  issuer: string;
}

/** How the test identity provider shapes one response (a provider misconfigured, or an attacker). */
export interface ResponseOptions {
  /** The audience of the assertion (default: the request's issuer, Usher's entity id). */
  audience?: string;
  /** The Recipient of the subject confirmation (default: the request's ACS URL). */
  recipient?: string;
  /** Seconds from now the assertion expires (default 300; negative: already expired). */
  expiresIn?: number;
  /** The assertion's ID (default: a fresh one). */
  assertionId?: string;
  /** What carries the signature (default: the assertion). */
  sign?: 'assertion' | 'response' | 'none';
  /** Changes the signed XML afterwards (the signature no longer matches). */
  tamper?: (xml: string) => string;
  /** The InResponseTo the response names (default: the request's id). */
  inResponseTo?: string;
}

/** A SAML 2.0 identity provider on loopback, signing with a key and certificate made for the test. */
export interface TestSamlIdp {
  entityId: string;
  ssoUrl: string;
  metadataUrl: string;
  metadataXml: string;
  /** The signing certificate, PEM. */
  certificate: string;
  /** Reads the AuthnRequest of the URL Usher sent the browser to. */
  readRequest(redirectUrl: string): AuthnRequest;
  /** A signed SAMLResponse (base64, for the HTTP-POST binding) saying `email` signed in. */
  respond(request: AuthnRequest, email: string, options?: ResponseOptions): string;
  close(): Promise<void>;
}

const run = promisify(execFile);

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A key and self-signed certificate from openssl, for this run only. */
async function makeKeyPair(): Promise<{ key: string; certificate: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'usher-saml-'));
  try {
    const key = path.join(dir, 'idp.key');
    const certificate = path.join(dir, 'idp.crt');
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      certificate,
      '-days',
      '2',
      '-subj',
      '/CN=Usher test SAML IdP',
    ]);
    return { key: await readFile(key, 'utf8'), certificate: await readFile(certificate, 'utf8') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function base64Body(pem: string): string {
  return pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
}

function sign(xml: string, key: string, certificate: string, element: 'Assertion' | 'Response'): string {
  const signer = new SignedXml({
    privateKey: key,
    publicCert: certificate,
    signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  });
  const target = element === 'Assertion' ? "//*[local-name(.)='Assertion']" : "/*[local-name(.)='Response']";
  signer.addReference({
    xpath: target,
    transforms: ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', 'http://www.w3.org/2001/10/xml-exc-c14n#'],
    digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256',
  });
  signer.computeSignature(xml, {
    location: { reference: `${target}/*[local-name(.)='Issuer']`, action: 'after' },
  });
  return signer.getSignedXml();
}

/**
 * Starts a SAML identity provider on 127.0.0.1: metadata at `/metadata`, sign-in requests at
 * `/sso` (HTTP-Redirect binding) answered by a login form where any e-mail signs in; the answer
 * is posted back to the request's ACS URL by the browser (HTTP-POST binding).
 */
export async function startSamlIdp(): Promise<TestSamlIdp> {
  const { key, certificate } = await makeKeyPair();
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const entityId = `${base}/metadata`;
  const ssoUrl = `${base}/sso`;
  const metadataXml = `<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${entityId}">
  <md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${base64Body(certificate)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${ssoUrl}"/>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${ssoUrl}"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>`;

  const readRequest = (redirectUrl: string): AuthnRequest => {
    const encoded = new URL(redirectUrl).searchParams.get('SAMLRequest') ?? '';
    const xml = inflateRawSync(Buffer.from(encoded, 'base64')).toString('utf8');
    const id = /<samlp:AuthnRequest[^>]*\sID="([^"]+)"/.exec(xml)?.[1];
    const acsUrl = /AssertionConsumerServiceURL="([^"]+)"/.exec(xml)?.[1];
    const issuer = /<saml:Issuer[^>]*>([^<]+)<\/saml:Issuer>/.exec(xml)?.[1];
    if (!id || !acsUrl || !issuer) {
      throw new Error(`not an AuthnRequest: ${xml}`);
    }
    return { id, acsUrl, issuer };
  };

  const respond = (request: AuthnRequest, email: string, options: ResponseOptions = {}): string => {
    const now = Date.now();
    const instant = (offsetSeconds: number) => new Date(now + offsetSeconds * 1000).toISOString();
    const expiresIn = options.expiresIn ?? 300;
    const issued = instant(Math.min(0, expiresIn - 300));
    const inResponseTo = options.inResponseTo ?? request.id;
    const assertionId = options.assertionId ?? `_a${randomBytes(16).toString('hex')}`;
    const assertion = `<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${assertionId}" Version="2.0" IssueInstant="${issued}"><saml:Issuer>${entityId}</saml:Issuer><saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">${escapeXml(email)}</saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData InResponseTo="${inResponseTo}" NotOnOrAfter="${instant(expiresIn)}" Recipient="${escapeXml(options.recipient ?? request.acsUrl)}"/></saml:SubjectConfirmation></saml:Subject><saml:Conditions NotBefore="${instant(Math.min(0, expiresIn - 300) - 30)}" NotOnOrAfter="${instant(expiresIn)}"><saml:AudienceRestriction><saml:Audience>${escapeXml(options.audience ?? request.issuer)}</saml:Audience></saml:AudienceRestriction></saml:Conditions><saml:AuthnStatement AuthnInstant="${issued}" SessionIndex="_s${randomBytes(8).toString('hex')}"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement><saml:AttributeStatement><saml:Attribute Name="email"><saml:AttributeValue>${escapeXml(email)}</saml:AttributeValue></saml:Attribute></saml:AttributeStatement></saml:Assertion>`;
    const signedAssertion =
      (options.sign ?? 'assertion') === 'assertion' ? sign(assertion, key, certificate, 'Assertion') : assertion;
    let response = `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r${randomBytes(16).toString('hex')}" Version="2.0" IssueInstant="${issued}" Destination="${escapeXml(options.recipient ?? request.acsUrl)}" InResponseTo="${inResponseTo}"><saml:Issuer>${entityId}</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>${signedAssertion}</samlp:Response>`;
    if (options.sign === 'response') {
      response = sign(response, key, certificate, 'Response');
    }
    if (options.tamper) {
      response = options.tamper(response);
    }
    return Buffer.from(response, 'utf8').toString('base64');
  };

  server.on('request', (request, response) => {
    const url = new URL(request.url ?? '/', base);
    if (url.pathname === '/metadata') {
      response.writeHead(200, { 'content-type': 'application/samlmetadata+xml' }).end(metadataXml);
      return;
    }
    if (url.pathname === '/sso' && request.method === 'GET') {
      // The login form: any e-mail signs in (the browser test types it).
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(
        `<!doctype html><html lang="en"><head><title>Test SAML IdP</title></head><body><h1>Test SAML IdP</h1>
<form method="post" action="/sso/login"><input type="hidden" name="redirect" value="${escapeXml(url.href)}">
<label>E-mail <input name="email" type="email" data-testid="saml-idp-email"></label>
<button type="submit" data-testid="saml-idp-submit">Sign in</button></form></body></html>`,
      );
      return;
    }
    if (url.pathname === '/sso/login' && request.method === 'POST') {
      let body = '';
      request.on('data', (chunk: Buffer) => {
        body += chunk.toString('utf8');
      });
      request.on('end', () => {
        const form = new URLSearchParams(body);
        const authn = readRequest(form.get('redirect') ?? '');
        const samlResponse = respond(authn, form.get('email') ?? '');
        // The HTTP-POST binding: a form the browser posts to the ACS at once.
        response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(
          `<!doctype html><html lang="en"><head><title>Signing in</title></head><body onload="document.forms[0].submit()">
<form method="post" action="${escapeXml(authn.acsUrl)}"><input type="hidden" name="SAMLResponse" value="${samlResponse}">
<noscript><button type="submit">Continue</button></noscript></form></body></html>`,
        );
      });
      return;
    }
    response.writeHead(404).end();
  });

  return {
    entityId,
    ssoUrl,
    metadataUrl: `${base}/metadata`,
    metadataXml,
    certificate,
    readRequest,
    respond,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
