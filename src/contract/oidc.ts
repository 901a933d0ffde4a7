/** OpenID Connect single sign-on configuration. */
import {
  STANDARD_ERRORS,
  bool,
  int,
  list,
  long,
  operation,
  optional,
  query,
  struct,
} from './dsl.js';
import { GenericString, SensitiveString, networkIdLabel } from './scalars.js';

/** A stored OIDC configuration (RegisterOidcConfig's output and GetOidcInfo's openidConnectInfo). */
export const OidcConfigInfo = struct({
  applicationName: optional(GenericString),
  clientId: optional(GenericString),
  companyId: GenericString,
  scopes: GenericString,
  issuer: GenericString,
  clientSecret: optional(SensitiveString),
  secret: optional(SensitiveString),
  redirectUrl: optional(GenericString),
  userId: optional(GenericString),
  customUsername: optional(GenericString),
  caCertificate: optional(GenericString),
  applicationId: optional(int({ min: 1, max: 10 })),
  ssoTokenBufferMinutes: optional(int()),
  extraAuthParams: optional(GenericString),
});

const OidcTokenInfo = struct({
  codeVerifier: optional(GenericString),
  codeChallenge: optional(GenericString),
  accessToken: optional(GenericString),
  idToken: optional(GenericString),
  refreshToken: optional(GenericString),
  tokenType: optional(GenericString),
  expiresIn: optional(long()),
});

export const RegisterOidcConfig = operation({
  name: 'RegisterOidcConfig',
  summary: 'Saves the OIDC identity-provider configuration of a network.',
  method: 'POST',
  remote: true,
  path: '/networks/{networkId}/oidc/save',
  input: struct({
    networkId: networkIdLabel(),
    companyId: GenericString,
    customUsername: optional(GenericString),
    extraAuthParams: optional(GenericString),
    issuer: GenericString,
    scopes: GenericString,
    secret: optional(SensitiveString),
    ssoTokenBufferMinutes: optional(int()),
    userId: optional(GenericString),
  }),
  output: OidcConfigInfo,
  errors: STANDARD_ERRORS,
});

export const RegisterOidcConfigTest = operation({
  name: 'RegisterOidcConfigTest',
  summary: 'Tests an OIDC issuer by fetching its discovery document.',
  method: 'POST',
  remote: true,
  path: '/networks/{networkId}/oidc/test',
  input: struct({
    networkId: networkIdLabel(),
    extraAuthParams: optional(GenericString),
    issuer: GenericString,
    scopes: GenericString,
    certificate: optional(GenericString),
  }),
  output: struct({
    tokenEndpoint: optional(GenericString),
    userinfoEndpoint: optional(GenericString),
    responseTypesSupported: optional(list(GenericString)),
    scopesSupported: optional(list(GenericString)),
    issuer: optional(GenericString),
    authorizationEndpoint: optional(GenericString),
    endSessionEndpoint: optional(GenericString),
    logoutEndpoint: optional(GenericString),
    grantTypesSupported: optional(list(GenericString)),
    revocationEndpoint: optional(GenericString),
    tokenEndpointAuthMethodsSupported: optional(list(GenericString)),
    microsoftMultiRefreshToken: optional(bool()),
  }),
  errors: STANDARD_ERRORS,
});

export const GetOidcInfo = operation({
  name: 'GetOidcInfo',
  summary: 'Returns the OIDC configuration, optionally exchanging an authorization code.',
  method: 'GET',
  readonly: true,
  path: '/networks/{networkId}/oidc',
  input: struct({
    networkId: networkIdLabel(),
    clientId: optional(query(GenericString, 'clientId')),
    code: optional(query(GenericString, 'code')),
    grantType: optional(query(GenericString, 'grantType')),
    redirectUri: optional(query(GenericString, 'redirectUri')),
    url: optional(query(GenericString, 'url')),
    clientSecret: optional(query(SensitiveString, 'clientSecret')),
    codeVerifier: optional(query(GenericString, 'codeVerifier')),
    certificate: optional(query(GenericString, 'certificate')),
  }),
  output: struct({
    openidConnectInfo: optional(OidcConfigInfo),
    tokenInfo: optional(OidcTokenInfo),
  }),
  errors: STANDARD_ERRORS,
});

export const operations = { RegisterOidcConfig, RegisterOidcConfigTest, GetOidcInfo };
