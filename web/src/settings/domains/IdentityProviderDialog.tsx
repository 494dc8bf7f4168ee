import {
  Button,
  ButtonGroup,
  Content,
  Dialog,
  Divider,
  Flex,
  Form,
  Heading,
  InlineAlert,
  Text,
  TextField,
  useDialogContainer,
} from '@adobe/react-spectrum';
import { type FormEvent, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, api } from '../../api.ts';
import { FormError } from '../../components/FormError.tsx';
import { fieldProblems } from '../../errors.ts';
import { CopyButton } from './CopyButton.tsx';
import type { Directory } from './types.ts';

const FORM_ID = 'identity-provider';

/** A Federated directory's identity provider as the API answers it (never the secret). */
interface IdentityProvider {
  protocol: 'oidc';
  issuer: string;
  clientId: string;
  clientSecretSet: boolean;
  redirectUri: string;
}

/**
 * The OpenID Connect provider a Federated directory's admins sign in through: issuer, client id
 * and secret (kept when left empty), the redirect URI to register there, and a test of the
 * provider's discovery document.
 */
export function IdentityProviderDialog({ directory }: { directory: Directory }) {
  const { t } = useTranslation();
  const { dismiss } = useDialogContainer();
  const path = `/api/v1/directories/${encodeURIComponent(directory.id)}/identity-provider`;
  const [saved, setSaved] = useState<IdentityProvider | null>(null);
  const [issuer, setIssuer] = useState('');
  const [clientId, setClientId] = useState('');
  const [clientSecret, setClientSecret] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [pending, setPending] = useState(false);
  const [tested, setTested] = useState<{ ok: boolean; message: string } | null>(null);

  useEffect(() => {
    api
      .get<IdentityProvider>(path)
      .then((provider) => {
        setSaved(provider);
        setIssuer(provider.issuer);
        setClientId(provider.clientId);
      })
      .catch((caught: unknown) => {
        if (!(caught instanceof ApiError && caught.status === 404)) {
          setError(caught);
        }
      });
  }, [path]);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setError(null);
    setTested(null);
    setPending(true);
    api
      .put<IdentityProvider>(path, {
        protocol: 'oidc',
        issuer: issuer.trim(),
        clientId: clientId.trim(),
        ...(clientSecret ? { clientSecret } : {}),
      })
      .then((provider) => {
        setSaved(provider);
        setClientSecret('');
      })
      .catch((caught: unknown) => setError(caught))
      .finally(() => setPending(false));
  };

  const test = () => {
    setError(null);
    setTested(null);
    setPending(true);
    api
      .post<{ ok: boolean; message: string }>(`${path}/test`)
      .then(setTested)
      .catch((caught: unknown) => setError(caught))
      .finally(() => setPending(false));
  };

  return (
    <Dialog size="L" data-testid="identity-provider-dialog">
      <Heading>{t('domains.identityProvider.title', { name: directory.name })}</Heading>
      <Divider />
      <Content>
        <FormError
          title={t('domains.identityProvider.failed')}
          error={error}
          rest={fieldProblems(error)}
          testId="domains-form-error"
        />
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
        <Text>{t('domains.identityProvider.intro')}</Text>
        <Form id={FORM_ID} onSubmit={submit} validationBehavior="native">
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
              description={saved?.clientSecretSet ? t('domains.identityProvider.clientSecretKept') : undefined}
              type="password"
              autoComplete="off"
              value={clientSecret}
              onChange={setClientSecret}
              isRequired={!saved?.clientSecretSet}
              maxLength={2000}
              width="100%"
              data-testid="identity-provider-client-secret"
            />
          </Flex>
        </Form>
        {saved && (
          <Flex direction="column" gap="size-50" marginTop="size-200">
            <Text>{t('domains.identityProvider.redirectUri')}</Text>
            <Flex gap="size-100" alignItems="center">
              <code data-testid="identity-provider-redirect-uri">{saved.redirectUri}</code>
              <CopyButton text={saved.redirectUri} label={t('domains.identityProvider.copy')} />
            </Flex>
          </Flex>
        )}
      </Content>
      <ButtonGroup>
        <Button variant="secondary" onPress={dismiss} isDisabled={pending}>
          {t('common.done')}
        </Button>
        <Button variant="secondary" onPress={test} isDisabled={!saved || pending} data-testid="identity-provider-test">
          {t('domains.identityProvider.test')}
        </Button>
        <Button variant="accent" type="submit" form={FORM_ID} isPending={pending} data-testid="identity-provider-save">
          {t('domains.identityProvider.save')}
        </Button>
      </ButtonGroup>
    </Dialog>
  );
}
