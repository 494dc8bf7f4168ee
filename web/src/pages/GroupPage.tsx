import {
  ActionButton,
  Content,
  Flex,
  Heading,
  InlineAlert,
  Item,
  ProgressCircle,
  TabList,
  TabPanels,
  Tabs,
  Text,
  useNumberFormatter,
  View,
} from '@adobe/react-spectrum';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useParams, useSearchParams } from 'react-router';
import { api } from '../api.ts';
import { ManagedByLine } from '../components/ManagedBy.tsx';
import { PageTitle } from '../components/PageTitle.tsx';
import { Toast } from '../components/Toast.tsx';
import { errorMessage } from '../errors.ts';
import { AdminsTab } from '../groups/AdminsTab.tsx';
import type { AssignResult } from '../groups/AssignProfilesDialog.tsx';
import { groupPath } from '../groups/labels.ts';
import { MembersTab } from '../groups/MembersTab.tsx';
import { ProfilesTab } from '../groups/ProfilesTab.tsx';
import { SettingsTab } from '../groups/SettingsTab.tsx';
import { useCan } from '../session.tsx';
import type { GroupDetail } from '../types.ts';

const TAB_IDS = ['users', 'admins', 'profiles', 'settings'] as const;
type TabId = (typeof TAB_IDS)[number];

interface TabEntry {
  id: TabId;
  label: string;
}

function isTabId(value: unknown): value is TabId {
  return typeof value === 'string' && (TAB_IDS as readonly string[]).includes(value);
}

/** What the page tells the admin after an action. */
type Message =
  | { kind: 'notice'; text: string }
  | { kind: 'warning'; text: string; detail: string }
  | { kind: 'conflict' }
  | { kind: 'error'; error: unknown }
  | null;

/** One user group: its members, admins, assigned product profiles and settings, in tabs. */
export function GroupPage() {
  const { t } = useTranslation();
  const { id = '' } = useParams();
  const can = useCan();
  const navigate = useNavigate();
  const formatNumber = useNumberFormatter();
  const [params, setParams] = useSearchParams();
  const [group, setGroup] = useState<GroupDetail | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [message, setMessage] = useState<Message>(null);
  const path = groupPath(id);

  const load = useCallback(async () => {
    try {
      setGroup(await api.get<GroupDetail>(path));
      setLoadError(null);
    } catch (caught) {
      setLoadError(caught);
    }
  }, [path]);

  useEffect(() => {
    setGroup(null);
    setMessage(null);
    void load();
  }, [load]);

  const back = (
    <View>
      <ActionButton isQuiet onPress={() => navigate('/groups')} data-testid="group-back">
        {t('groups.back')}
      </ActionButton>
    </View>
  );

  if (loadError !== null) {
    return (
      <Flex direction="column" gap="size-200">
        {back}
        <InlineAlert variant="negative" data-testid="group-load-error">
          <Heading>{t('groups.loadOneFailed')}</Heading>
          <Content>{errorMessage(t, loadError)}</Content>
        </InlineAlert>
      </Flex>
    );
  }
  if (!group) {
    return <ProgressCircle aria-label={t('common.loading')} isIndeterminate />;
  }

  /** A change that answers nothing about the group: tell the admin, then fetch the group again. */
  const changed = (text: string) => {
    setMessage({ kind: 'notice', text });
    void load();
  };
  const failed = (error: unknown) => setMessage({ kind: 'error', error });
  const assigned = (result: AssignResult) => {
    const text = t('groups.profiles.assigned', {
      n: result.assigned,
      members: formatNumber.format(result.membersCount),
    });
    setMessage(result.warning ? { kind: 'warning', text, detail: result.warning } : { kind: 'notice', text });
    void load();
  };

  const tabs: TabEntry[] = [
    { id: 'users', label: t('groups.tabs.users') },
    { id: 'admins', label: t('groups.tabs.admins') },
    { id: 'profiles', label: t('groups.tabs.profiles') },
    ...(can('group.manage') ? [{ id: 'settings' as const, label: t('groups.tabs.settings') }] : []),
  ];
  const requested = params.get('tab');
  const tab: TabId = tabs.find((item) => item.id === requested)?.id ?? 'users';

  const panel = (tabId: TabId) => {
    switch (tabId) {
      case 'users':
        return <MembersTab group={group} onChanged={changed} onError={failed} />;
      case 'admins':
        return (
          <AdminsTab
            group={group}
            onSaved={(answer, text) => {
              setGroup(answer);
              setMessage({ kind: 'notice', text });
            }}
            onError={failed}
          />
        );
      case 'profiles':
        return <ProfilesTab group={group} onAssigned={assigned} onChanged={changed} onError={failed} />;
      case 'settings':
        return (
          <SettingsTab
            key={group.version}
            group={group}
            onSaved={(answer) => {
              setGroup(answer);
              setMessage({ kind: 'notice', text: t('groups.settings.saved') });
            }}
            onConflict={() => {
              setMessage({ kind: 'conflict' });
              void load();
            }}
            onDeleted={() => navigate('/groups', { state: { deleted: group.name } })}
          />
        );
    }
  };

  return (
    <Flex direction="column" gap="size-200">
      <Flex direction="column" gap="size-100">
        {back}
        <PageTitle>{group.name}</PageTitle>
        {group.description && <Text data-testid="group-description">{group.description}</Text>}
        <Text data-testid="group-summary">
          {t('groups.summary', {
            members: formatNumber.format(group.membersCount),
            profiles: formatNumber.format(group.profilesCount),
            admins: formatNumber.format(group.adminsCount),
          })}
        </Text>
        <ManagedByLine source={group.managedBy} testId="group-managed-by" />
      </Flex>

      <Toast
        message={message?.kind === 'notice' ? message.text : null}
        onDismiss={() => setMessage((current) => (current?.kind === 'notice' ? null : current))}
        testId="group-notice"
      />
      {message?.kind === 'warning' && (
        <InlineAlert variant="notice" data-testid="group-warning">
          <Heading>{t('groups.profiles.largeGroup')}</Heading>
          <Content>
            {message.text} {message.detail}
          </Content>
        </InlineAlert>
      )}
      {message?.kind === 'conflict' && (
        <InlineAlert variant="notice" data-testid="group-conflict">
          <Heading>{t('groups.settings.conflictTitle')}</Heading>
          <Content>{t('groups.settings.conflictText')}</Content>
        </InlineAlert>
      )}
      {message?.kind === 'error' && (
        <InlineAlert variant="negative" data-testid="group-error">
          <Heading>{t('groups.failed')}</Heading>
          <Content>{errorMessage(t, message.error)}</Content>
        </InlineAlert>
      )}

      <Tabs
        aria-label={t('groups.tabs.label', { name: group.name })}
        items={tabs}
        selectedKey={tab}
        onSelectionChange={(key) => {
          if (isTabId(key) && key !== tab) {
            setMessage(null);
            setParams(key === 'users' ? {} : { tab: key }, { replace: true });
          }
        }}
      >
        <TabList>{(item: TabEntry) => <Item key={item.id}>{item.label}</Item>}</TabList>
        <TabPanels>
          {(item: TabEntry) => (
            <Item key={item.id}>
              <View paddingTop="size-200">{panel(item.id)}</View>
            </Item>
          )}
        </TabPanels>
      </Tabs>
    </Flex>
  );
}
