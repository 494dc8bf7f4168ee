import {
  ActionButton,
  Button,
  Flex,
  Form,
  ProgressCircle,
  Text,
  TextField,
  useDateFormatter,
} from '@adobe/react-spectrum';
import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api.ts';
import { DialogFrame } from '../../components/DialogFrame.tsx';
import { FormError } from '../../components/FormError.tsx';
import { fieldProblems } from '../../errors.ts';
import { useCan } from '../../session.tsx';
import type { Directory, DirectoryTrust } from './types.ts';

const FORM_ID = 'grant-trust';

/** The organizations a directory trusts: grant by organization id, revoke. */
export function TrustsDialog({ directory }: { directory: Directory }) {
  const { t } = useTranslation();
  const can = useCan();
  const manage = can('domain.manage');
  const formatDate = useDateFormatter({ dateStyle: 'medium' });
  const [trusts, setTrusts] = useState<DirectoryTrust[] | null>(null);
  const [organizationId, setOrganizationId] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [pending, setPending] = useState(false);
  const base = `/api/v1/directories/${encodeURIComponent(directory.id)}/trusts`;

  const load = useCallback(async () => {
    try {
      setTrusts((await api.get<{ items: DirectoryTrust[] }>(base)).items);
    } catch (caught) {
      setError(caught);
    }
  }, [base]);

  useEffect(() => {
    void load();
  }, [load]);

  const grant = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setError(null);
    setPending(true);
    api
      .post<DirectoryTrust>(base, { organizationId: organizationId.trim() })
      .then(() => setOrganizationId(''))
      .catch((caught: unknown) => setError(caught))
      .finally(() => {
        setPending(false);
        void load();
      });
  };

  const revoke = (trust: DirectoryTrust) => {
    setError(null);
    api
      .delete(`${base}/${encodeURIComponent(trust.organizationId)}`)
      .catch((caught: unknown) => setError(caught))
      .finally(() => void load());
  };

  return (
    <DialogFrame
      size="L"
      testId="trusts-dialog"
      title={t('domains.trusts.title', { name: directory.name })}
      // Each grant and revoke is saved at once: Done is the way out.
      dismissLabel={t('common.done')}
      dismissVariant="accent"
      dismissTestId="trusts-done"
    >
      <Flex direction="column" gap="size-200">
        <Text>{t('domains.trusts.intro')}</Text>
        <FormError
          title={t('domains.trusts.failed')}
          error={error}
          rest={fieldProblems(error)}
          testId="domains-form-error"
        />
        {trusts === null && error === null && (
          <ProgressCircle aria-label={t('common.loading')} isIndeterminate size="S" />
        )}
        {trusts?.length === 0 && <Text>{t('domains.trusts.empty')}</Text>}
        {trusts && trusts.length > 0 && (
          <ul className="usher-plain-list" data-testid="trusts-list">
            {trusts.map((trust) => (
              <li key={trust.organizationId} data-testid="trust-item">
                <Flex alignItems="center" gap="size-200" wrap>
                  <strong>{trust.organizationName}</strong>
                  <span className="usher-mono">{trust.organizationId}</span>
                  <span>{t('domains.trusts.since', { date: formatDate.format(new Date(trust.createdAt)) })}</span>
                  {manage && (
                    <ActionButton
                      isQuiet
                      onPress={() => revoke(trust)}
                      aria-label={t('domains.trusts.revokeNamed', { name: trust.organizationName })}
                      data-testid="trust-revoke"
                    >
                      {t('domains.trusts.revoke')}
                    </ActionButton>
                  )}
                </Flex>
              </li>
            ))}
          </ul>
        )}
        {manage && (
          <Form id={FORM_ID} onSubmit={grant} validationBehavior="native">
            <Flex alignItems="end" gap="size-150" wrap>
              <TextField
                label={t('domains.trusts.organizationId')}
                description={t('domains.trusts.organizationIdHint')}
                value={organizationId}
                onChange={setOrganizationId}
                isRequired
                width="size-4600"
                data-testid="trust-organization-id"
              />
              <Button variant="secondary" type="submit" isPending={pending} data-testid="trust-grant">
                {t('domains.trusts.grant')}
              </Button>
            </Flex>
          </Form>
        )}
      </Flex>
    </DialogFrame>
  );
}
