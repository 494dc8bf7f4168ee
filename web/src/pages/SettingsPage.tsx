import { Divider, Flex } from '@adobe/react-spectrum';
import { useTranslation } from 'react-i18next';
import { PageTitle } from '../components/PageTitle.tsx';
import { useCan } from '../session.tsx';
import { ApiTokensSection } from '../settings/ApiTokensSection.tsx';
import { DownloadLinksSection } from '../settings/DownloadLinksSection.tsx';
import { DomainsSection } from '../settings/domains/DomainsSection.tsx';
import { TrustedDirectoriesSection } from '../settings/domains/TrustedDirectoriesSection.tsx';
import { IntegrationsSection } from '../settings/IntegrationsSection.tsx';
import { OrganizationSection } from '../settings/OrganizationSection.tsx';
import { ScimSection } from '../settings/ScimSection.tsx';

/** Organization settings, directories and domains, API tokens, SCIM provisioning and UMAPI integrations. */
export function SettingsPage() {
  const { t } = useTranslation();
  const can = useCan();
  return (
    <Flex direction="column" gap="size-300">
      <PageTitle>{t('nav.settings')}</PageTitle>
      <OrganizationSection />
      {can('organization.read') && (
        <>
          <Divider size="S" />
          <DownloadLinksSection />
        </>
      )}
      {can('domain.read') && (
        <>
          <Divider size="S" />
          <DomainsSection />
          <Divider size="S" />
          <TrustedDirectoriesSection />
        </>
      )}
      {can('apiToken.read') && (
        <>
          <Divider size="S" />
          <ApiTokensSection />
          <Divider size="S" />
          <ScimSection />
          <Divider size="S" />
          <IntegrationsSection />
        </>
      )}
    </Flex>
  );
}
