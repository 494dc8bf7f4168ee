import { Button, Content, DialogContainer, Flex, Heading, InlineAlert, Text } from '@adobe/react-spectrum';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { LIMITS } from '../../../../shared/contracts.ts';
import { api } from '../../api.ts';
import { errorMessage } from '../../errors.ts';
import { useCan } from '../../session.tsx';
import type { Page } from '../../types.ts';
import { AddDomainDialog } from './AddDomainDialog.tsx';
import { CreateDirectoryDialog } from './CreateDirectoryDialog.tsx';
import { DirectoriesTable } from './DirectoriesTable.tsx';
import { DomainsTable, type VerifyOutcome } from './DomainsTable.tsx';
import { IdentityProviderDialog } from './IdentityProviderDialog.tsx';
import { MoveDomainDialog } from './MoveDomainDialog.tsx';
import { TrustsDialog } from './TrustsDialog.tsx';
import type { Directory, Domain } from './types.ts';

type DialogState =
  | { kind: 'directory' }
  | { kind: 'domain' }
  | { kind: 'move'; domain: Domain }
  | { kind: 'trusts'; directory: Directory }
  | { kind: 'identityProvider'; directory: Directory }
  | null;

/**
 * Directories and domains: directories with their identity type and trust, domains with the TXT
 * record that claims them, Verify and Remove. Actions follow the session's abilities.
 */
export function DomainsSection() {
  const { t } = useTranslation();
  const can = useCan();
  const manage = can('domain.manage');
  const [directories, setDirectories] = useState<Directory[] | null>(null);
  const [domains, setDomains] = useState<Domain[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [dialog, setDialog] = useState<DialogState>(null);
  const [outcome, setOutcome] = useState<VerifyOutcome | null>(null);
  const [verifying, setVerifying] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      const [directoryPage, domainPage] = await Promise.all([
        api.get<Page<Directory>>(`/api/v1/directories?limit=${LIMITS.pageSizeMax}`),
        api.get<Page<Domain>>(`/api/v1/domains?limit=${LIMITS.pageSizeMax}`),
      ]);
      setDirectories(directoryPage.items);
      setDomains(domainPage.items);
    } catch (caught) {
      setError(caught);
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  const change = (call: Promise<unknown>) => {
    setError(null);
    call.catch((caught: unknown) => setError(caught)).finally(() => void load());
  };

  const verify = (domain: Domain) => {
    setOutcome(null);
    setVerifying(domain.id);
    api
      .post<Domain>(`/api/v1/domains/${encodeURIComponent(domain.id)}/verify`)
      .then((verified) => setOutcome({ domain: verified, error: null }))
      .catch((caught: unknown) => setOutcome({ domain, error: caught }))
      .finally(() => {
        setVerifying(null);
        void load();
      });
  };

  return (
    <section aria-labelledby="settings-domains">
      <Heading level={2} id="settings-domains">
        {t('domains.title')}
      </Heading>
      <Text>{t('domains.intro')}</Text>
      {error !== null && (
        <InlineAlert variant="negative" marginY="size-200">
          <Heading>{t('domains.failed')}</Heading>
          <Content>{errorMessage(t, error)}</Content>
        </InlineAlert>
      )}

      <Flex justifyContent="space-between" alignItems="center" wrap gap="size-200" marginTop="size-200">
        <Heading level={3}>{t('domains.directories.title')}</Heading>
        {manage && (
          <Button variant="secondary" onPress={() => setDialog({ kind: 'directory' })} data-testid="directory-create">
            {t('domains.directories.add')}
          </Button>
        )}
      </Flex>
      <DirectoriesTable
        directories={directories}
        domains={domains ?? []}
        loading={directories === null && error === null}
        onTrusts={(directory) => setDialog({ kind: 'trusts', directory })}
        onIdentityProvider={(directory) => setDialog({ kind: 'identityProvider', directory })}
        onDelete={(directory) => change(api.delete(`/api/v1/directories/${encodeURIComponent(directory.id)}`))}
      />

      <Flex justifyContent="space-between" alignItems="center" wrap gap="size-200" marginTop="size-300">
        <Heading level={3}>{t('domains.domains.title')}</Heading>
        {manage && (
          <Button variant="accent" onPress={() => setDialog({ kind: 'domain' })} data-testid="domain-add">
            {t('domains.domains.add')}
          </Button>
        )}
      </Flex>
      <Text>{t('domains.domains.howTo')}</Text>
      <DomainsTable
        domains={domains}
        loading={domains === null && error === null}
        outcome={outcome}
        verifying={verifying}
        onVerify={verify}
        onMove={(domain) => setDialog({ kind: 'move', domain })}
        onRemove={(domain) => {
          setOutcome(null);
          change(api.delete(`/api/v1/domains/${encodeURIComponent(domain.id)}`));
        }}
      />

      <DialogContainer onDismiss={() => setDialog(null)}>
        {dialog?.kind === 'directory' && <CreateDirectoryDialog onCreated={() => void load()} />}
        {dialog?.kind === 'domain' && <AddDomainDialog directories={directories ?? []} onAdded={() => void load()} />}
        {dialog?.kind === 'move' && (
          <MoveDomainDialog domain={dialog.domain} directories={directories ?? []} onMoved={() => void load()} />
        )}
        {dialog?.kind === 'trusts' && <TrustsDialog directory={dialog.directory} />}
        {dialog?.kind === 'identityProvider' && <IdentityProviderDialog directory={dialog.directory} />}
      </DialogContainer>
    </section>
  );
}
