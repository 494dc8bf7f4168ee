import {
  Button,
  Content,
  Flex,
  Heading,
  InlineAlert,
  Radio,
  RadioGroup,
  Text,
  TextArea,
  TextField,
} from '@adobe/react-spectrum';
import { type FormEvent, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { IdentityProvider } from '../../../../shared/api/domains.ts';
import { ApiError, api } from '../../api.ts';
import { FormDialog, useDialogSubmit } from '../../components/FormDialog.tsx';
import { FormError } from '../../components/FormError.tsx';
import { fieldProblems } from '../../errors.ts';
import { CopyButton } from './CopyButton.tsx';
import type { Directory } from './types.ts';

const FORM_ID = 'identity-provider';

/** A value to register at the identity provider, with a copy button. */
function Registered({ label, value, testId }: { label: string; value: string; testId: string }) {
  const { t } = useTranslation();
  return (
    <Flex direction="column" gap="size-50">
      <Text>{label}</Text>
      <Flex gap="size-100" alignItems="center">
        <code data-testid={testId}>{value}</code>
        <CopyButton text={value} label={t('domains.identityProvider.copyValue', { name: label })} />
      </Flex>
    </Flex>
  );
}

/**
 * The identity provider a Federated directory's admins sign in through. OpenID Connect: issuer,
 * client id and secret (kept when left empty), the redirect URI to register there. SAML 2.0: the
 * provider's metadata URL or XML, and Usher's entity id, ACS URL and metadata to register there.
 * Either can be tested.
 */
export function IdentityProviderDialog({ directory }: { directory: Directory }) {
  const { t } = useTranslation();
  const path = `/api/v1/directories/${encodeURIComponent(directory.id)}/identity-provider`;
  const [saved, setSaved] = useState<IdentityProvider | null>(null);
  const [protocol, setProtocol] = useState<'oidc' | 'saml'>('oidc');
  const [metadataUrl, setMetadataUrl] = useState('');
  const [metadataXml, setMetadataXml] = useState('');
  const [issuer, setIssuer] = useState('');
  const [clientId, setClientId] = useState('');
  const [clientSecret, setClientSecret] = useState('');
  /** The saved provider could not be read (none yet is no failure). */
  const [loadError, setLoadError] = useState<unknown>(null);
  const { error, pending, submit: send, run } = useDialogSubmit();
  const [tested, setTested] = useState<{ ok: boolean; message: string } | null>(null);

  useEffect(() => {
    api
      .get<IdentityProvider>(path)
      .then((provider) => {
        setSaved(provider);
        setProtocol(provider.protocol);
        setIssuer(provider.issuer);
        setClientId(provider.clientId);
        setMetadataUrl(provider.saml?.metadataUrl ?? '');
      })
      .catch((caught: unknown) => {
        if (!(caught instanceof ApiError && caught.status === 404)) {
          setLoadError(caught);
        }
      });
  }, [path]);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    setLoadError(null);
    setTested(null);
    // Saving keeps the dialog open: the values to register at the provider come with the answer.
    send(
      event,
      () =>
        api.put<IdentityProvider>(
          path,
          protocol === 'saml'
            ? { protocol, ...(metadataXml.trim() ? { metadataXml } : { metadataUrl: metadataUrl.trim() }) }
            : {
                protocol,
                issuer: issuer.trim(),
                clientId: clientId.trim(),
                ...(clientSecret ? { clientSecret } : {}),
              },
        ),
      (provider) => {
        setSaved(provider);
        setClientSecret('');
        setMetadataXml('');
      },
      false,
    );
  };

  const test = () => {
    setLoadError(null);
    setTested(null);
    run(() => api.post<{ ok: boolean; message: string }>(`${path}/test`), setTested, false);
  };

  return (
    <FormDialog
      formId={FORM_ID}
      size="L"
      testId="identity-provider-dialog"
      title={t('domains.identityProvider.title', { name: directory.name })}
      error={
        <FormError
          title={t('domains.identityProvider.failed')}
          error={error ?? loadError}
          rest={fieldProblems(error ?? loadError)}
          testId="domains-form-error"
        />
      }
      intro={
        <>
          {tested && (
            <InlineAlert
              variant={tested.ok ? 'positive' : 'negative'}
              marginBottom="size-200"
              data-testid="identity-provider-test-result"
            >
              <Heading>
                {tested.ok ? t('domains.identityProvider.testOk') : t('domains.identityProvider.testFailed')}
              </Heading>
              <Content>{tested.message}</Content>
            </InlineAlert>
          )}
          <Flex direction="column" gap="size-100" marginBottom="size-150">
            <RadioGroup
              label={t('domains.identityProvider.protocol')}
              orientation="horizontal"
              value={protocol}
              onChange={(value) => setProtocol(value === 'saml' ? 'saml' : 'oidc')}
              data-testid="identity-provider-protocol"
            >
              <Radio value="oidc" data-testid="identity-provider-protocol-oidc">
                OpenID Connect
              </Radio>
              <Radio value="saml" data-testid="identity-provider-protocol-saml">
                SAML 2.0
              </Radio>
            </RadioGroup>
            <Text>
              {t(protocol === 'saml' ? 'domains.identityProvider.samlIntro' : 'domains.identityProvider.intro')}
            </Text>
          </Flex>
        </>
      }
      outro={
        <>
          {saved?.protocol === 'oidc' && protocol === 'oidc' && (
            <Flex direction="column" marginTop="size-200">
              <Registered
                label={t('domains.identityProvider.redirectUri')}
                value={saved.redirectUri}
                testId="identity-provider-redirect-uri"
              />
            </Flex>
          )}
          {saved?.saml && protocol === 'saml' && (
            <Flex direction="column" gap="size-150" marginTop="size-200" data-testid="identity-provider-saml">
              <Text>
                {t('domains.identityProvider.samlProvider', {
                  entityId: saved.saml.entityId,
                  ssoUrl: saved.saml.ssoUrl,
                })}
              </Text>
              {saved.saml.certificates.map((certificate) => (
                <Text key={certificate.subject + certificate.validTo}>
                  {t('domains.identityProvider.certificate', {
                    subject: certificate.subject,
                    validTo: new Date(certificate.validTo).toLocaleDateString(),
                  })}
                </Text>
              ))}
              <Registered
                label={t('domains.identityProvider.spEntityId')}
                value={saved.saml.spEntityId}
                testId="identity-provider-sp-entity-id"
              />
              <Registered
                label={t('domains.identityProvider.acsUrl')}
                value={saved.saml.acsUrl}
                testId="identity-provider-acs-url"
              />
              <Registered
                label={t('domains.identityProvider.spMetadataUrl')}
                value={saved.saml.spMetadataUrl}
                testId="identity-provider-sp-metadata-url"
              />
            </Flex>
          )}
        </>
      }
      onSubmit={submit}
      cancelLabel={t('common.done')}
      actions={
        <Button
          variant="secondary"
          onPress={test}
          isDisabled={!saved || saved.protocol !== protocol || pending}
          data-testid="identity-provider-test"
        >
          {t('domains.identityProvider.test')}
        </Button>
      }
      submitLabel={t('domains.identityProvider.save')}
      submitTestId="identity-provider-save"
      pending={pending}
    >
      {protocol === 'saml' ? (
        <Flex direction="column" gap="size-150">
          <TextField
            label={t('domains.identityProvider.metadataUrl')}
            description={t('domains.identityProvider.metadataUrlHint')}
            value={metadataUrl}
            onChange={setMetadataUrl}
            isRequired={!metadataXml.trim()}
            maxLength={2000}
            width="100%"
            data-testid="identity-provider-metadata-url"
          />
          <TextArea
            label={t('domains.identityProvider.metadataXml')}
            description={t('domains.identityProvider.metadataXmlHint')}
            value={metadataXml}
            onChange={setMetadataXml}
            width="100%"
            data-testid="identity-provider-metadata-xml"
          />
        </Flex>
      ) : (
        <Flex direction="column" gap="size-150">
          <TextField
            label={t('domains.identityProvider.issuer')}
            description={t('domains.identityProvider.issuerHint')}
            value={issuer}
            onChange={setIssuer}
            isRequired
            maxLength={500}
            autoFocus
            width="100%"
            data-testid="identity-provider-issuer"
          />
          <TextField
            label={t('domains.identityProvider.clientId')}
            value={clientId}
            onChange={setClientId}
            isRequired
            maxLength={500}
            width="100%"
            data-testid="identity-provider-client-id"
          />
          <TextField
            label={t('domains.identityProvider.clientSecret')}
            description={
              saved?.protocol === 'oidc' && saved.clientSecretSet
                ? t('domains.identityProvider.clientSecretKept')
                : undefined
            }
            type="password"
            autoComplete="off"
            value={clientSecret}
            onChange={setClientSecret}
            isRequired={!(saved?.protocol === 'oidc' && saved.clientSecretSet)}
            maxLength={2000}
            width="100%"
            data-testid="identity-provider-client-secret"
          />
        </Flex>
      )}
    </FormDialog>
  );
}
