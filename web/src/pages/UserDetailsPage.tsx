import {
  ActionButton,
  Button,
  Content,
  DialogContainer,
  Divider,
  Flex,
  Grid,
  Heading,
  IllustratedMessage,
  InlineAlert,
  LabeledValue,
  Link,
  ProgressCircle,
  StatusLight,
  Text,
  useDateFormatter,
  View,
} from '@adobe/react-spectrum';
import { type ReactNode, useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link as RouterLink, useNavigate, useParams } from 'react-router';
import { api } from '../api.ts';
import { ConfirmButton } from '../components/ConfirmButton.tsx';
import { type ItemsColumn, ItemsTable } from '../components/ItemsTable.tsx';
import { ManagedByLine } from '../components/ManagedBy.tsx';
import { PageTitle } from '../components/PageTitle.tsx';
import { Toast } from '../components/Toast.tsx';
import { errorMessage } from '../errors.ts';
import { currentLocale, SPECTRUM_LOCALES } from '../i18n/index.ts';
import { useCan } from '../session.tsx';
import { roleKey } from '../settings/roles.ts';
import type { UserDetail } from '../types.ts';
import { AdminRoleDialog } from '../users/AdminRoleDialog.tsx';
import { countryName } from '../users/countries.ts';
import { DevicesSection } from '../users/DevicesSection.tsx';
import { EditUserDialog } from '../users/EditUserDialog.tsx';
import { formatBytes, fullName, identityTypeKey, statusKey, statusVariant } from '../users/labels.ts';
import { RemoveUsersDialog } from '../users/RemoveUsersDialog.tsx';
import { TransferContentDialog } from '../users/TransferContentDialog.tsx';

type DialogState = 'edit' | 'remove' | 'adminRole' | 'transfer' | null;

const ROW_HEIGHT = 41;

type ProfileColumn = 'product' | 'profile' | 'via';

function Section({ id, title, children }: { id: string; title: string; children: ReactNode }) {
  return (
    <section aria-labelledby={id} data-testid={id}>
      <Heading level={2} id={id} marginBottom="size-100">
        {title}
      </Heading>
      {children}
    </section>
  );
}

/** One user: identity, products and profiles (and through which group), groups, admin rights, content. */
export function UserDetailsPage() {
  const { t } = useTranslation();
  const { id = '' } = useParams();
  const can = useCan();
  const navigate = useNavigate();
  const formatDate = useDateFormatter({ dateStyle: 'medium', timeStyle: 'short' });
  const [user, setUser] = useState<UserDetail | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [dialog, setDialog] = useState<DialogState>(null);
  const [pending, setPending] = useState(false);
  const path = `/api/v1/users/${encodeURIComponent(id)}`;

  const load = useCallback(async () => {
    try {
      setUser(await api.get<UserDetail>(path));
      setLoadError(null);
    } catch (caught) {
      setLoadError(caught);
    }
  }, [path]);

  useEffect(() => {
    setUser(null);
    void load();
  }, [load]);

  /** Runs a change, then shows its result: the answered user, or the user fetched again. */
  const act = (change: () => Promise<UserDetail | undefined>, done: string) => {
    setError(null);
    setNotice(null);
    setPending(true);
    change()
      .then(async (answer) => {
        if (answer) {
          setUser(answer);
        } else {
          await load();
        }
        setNotice(done);
      })
      .catch((caught: unknown) => setError(caught))
      .finally(() => setPending(false));
  };

  if (loadError !== null) {
    return (
      <Flex direction="column" gap="size-200">
        <View>
          <ActionButton isQuiet onPress={() => navigate('/users')} data-testid="user-back">
            {t('users.details.back')}
          </ActionButton>
        </View>
        <InlineAlert variant="negative" data-testid="user-load-error">
          <Heading>{t('users.details.loadFailed')}</Heading>
          <Content>{errorMessage(t, loadError)}</Content>
        </InlineAlert>
      </Flex>
    );
  }
  if (!user) {
    return <ProgressCircle aria-label={t('common.loading')} isIndeterminate />;
  }

  const removed = user.status === 'removed';
  const locale = currentLocale();
  const profileColumns: ItemsColumn<ProfileColumn>[] = [
    { key: 'product', name: t('users.details.column.product') },
    { key: 'profile', name: t('users.details.column.profile') },
    { key: 'via', name: t('users.details.column.via') },
  ];
  const profileText = (profile: UserDetail['profiles'][number], key: ProfileColumn): string => {
    switch (key) {
      case 'product':
        return profile.productName;
      case 'profile':
        return profile.name;
      case 'via':
        return profile.via === 'direct'
          ? t('users.details.viaDirect')
          : t('users.details.viaGroup', { group: profile.via });
    }
  };
  const name = fullName(user);
  const saved = (message: string) => (answer: UserDetail) => {
    setUser(answer);
    setError(null);
    setNotice(message);
  };

  return (
    <Flex direction="column" gap="size-300">
      <Flex direction="column" gap="size-100">
        <View>
          <ActionButton isQuiet onPress={() => navigate('/users')} data-testid="user-back">
            {t('users.details.back')}
          </ActionButton>
        </View>
        <PageTitle>{name ?? user.email}</PageTitle>
        <Flex gap="size-200" alignItems="center" wrap>
          <StatusLight variant={statusVariant(user.status)} data-testid="user-status">
            {user.contentPending ? t('users.status.inactive') : t(statusKey(user.status))}
          </StatusLight>
          <Text data-testid="user-identity-type">{t(identityTypeKey(user.identityType))}</Text>
        </Flex>
      </Flex>

      <Flex gap="size-100" wrap>
        {!removed && can('user.update') && (
          <Button variant="accent" onPress={() => setDialog('edit')} data-testid="user-edit">
            {t('users.details.edit')}
          </Button>
        )}
        {!removed && can('user.remove') && (
          <Button variant="negative" onPress={() => setDialog('remove')} data-testid="user-remove">
            {t('users.remove.action')}
          </Button>
        )}
        {removed && can('user.remove') && (
          <Button
            variant="accent"
            isPending={pending}
            onPress={() =>
              act(() => api.post<UserDetail>(`${path}/restore`), t('users.details.restored', { email: user.email }))
            }
            data-testid="user-restore"
          >
            {t('users.details.restore')}
          </Button>
        )}
        {removed && can('user.delete') && (
          <ConfirmButton
            label={t('users.details.deletePermanently')}
            title={t('users.details.deleteTitle')}
            text={t('users.details.deleteText', { email: user.email })}
            testId="user-delete"
            onConfirm={() => {
              setError(null);
              api
                .delete(path)
                .then(() => navigate('/users', { state: { deleted: user.email } }))
                .catch((caught: unknown) => setError(caught));
            }}
          />
        )}
      </Flex>

      {user.readOnlyReason !== null && (
        <InlineAlert variant="notice" data-testid="user-read-only">
          <Heading>{t('users.details.readOnly')}</Heading>
          <Content>{user.readOnlyReason}</Content>
        </InlineAlert>
      )}
      <Toast message={notice} onDismiss={() => setNotice(null)} testId="user-notice" />
      {error !== null && (
        <InlineAlert variant="negative" data-testid="user-error">
          <Heading>{t('users.details.failed')}</Heading>
          <Content>{errorMessage(t, error)}</Content>
        </InlineAlert>
      )}

      <ManagedByLine source={user.managedBy} testId="user-managed-by" />

      <Section id="user-identity" title={t('users.details.identity')}>
        <Grid columns="repeat(auto-fill, minmax(240px, 1fr))" gap="size-200">
          <LabeledValue label={t('users.field.email')} value={user.email} data-testid="user-email" />
          <LabeledValue label={t('users.field.username')} value={user.username} />
          <LabeledValue label={t('users.field.alias')} value={user.alias} />
          <LabeledValue label={t('users.field.firstName')} value={user.firstName ?? '—'} />
          <LabeledValue label={t('users.field.lastName')} value={user.lastName ?? '—'} />
          <LabeledValue label={t('users.field.country')} value={countryName(user.country, locale) ?? '—'} />
          <LabeledValue label={t('users.field.identityType')} value={t(identityTypeKey(user.identityType))} />
          <LabeledValue label={t('users.field.createdAt')} value={formatDate.format(new Date(user.createdAt))} />
          {user.removedAt && (
            <LabeledValue label={t('users.field.removedAt')} value={formatDate.format(new Date(user.removedAt))} />
          )}
        </Grid>
      </Section>

      <Divider size="S" />
      <Section id="user-profiles" title={t('users.details.profiles')}>
        <ItemsTable
          aria-label={t('users.details.profiles')}
          density="compact"
          data-testid="user-profiles-table"
          columns={profileColumns}
          items={user.profiles}
          itemKey={(profile) => `${profile.id}:${profile.via}`}
          cell={(profile, key) =>
            key === 'via' ? <span data-column="via">{profileText(profile, key)}</span> : profileText(profile, key)
          }
          cellText={profileText}
          loading={false}
          rowHeight={ROW_HEIGHT}
          minRows={2}
          maxHeight={null}
          renderEmptyState={() => (
            <IllustratedMessage>
              <Heading>{t('users.details.noProfiles')}</Heading>
            </IllustratedMessage>
          )}
        />
      </Section>

      <Section id="user-groups" title={t('users.details.groups')}>
        {user.groups.length === 0 ? (
          <Text>{t('users.details.noGroups')}</Text>
        ) : (
          <ul className="usher-names-list">
            {user.groups.map((group) => (
              <li key={group.id}>
                <Link>
                  <RouterLink to={`/groups/${encodeURIComponent(group.id)}`} data-testid="user-group-link">
                    {group.name}
                  </RouterLink>
                </Link>
              </li>
            ))}
          </ul>
        )}
      </Section>

      <Section id="user-admin-roles" title={t('users.details.adminRoles')}>
        <Flex direction="column" alignItems="start" gap="size-100">
          {user.adminRoles.length === 0 ? (
            <Text>{t('users.details.noAdminRoles')}</Text>
          ) : (
            <ul className="usher-names-list">
              {user.adminRoles.map((grant) => {
                const label = grant.scope
                  ? t('users.adminRoles.scoped', { role: t(roleKey(grant.role)), scope: grant.scope.name })
                  : t(roleKey(grant.role));
                return (
                  <li key={`${grant.role}:${grant.scope?.id ?? ''}`} data-testid="user-admin-role">
                    <Flex alignItems="center" gap="size-100">
                      <Text>{label}</Text>
                      {can('adminRole.assign') && (
                        <ConfirmButton
                          isQuiet
                          label={t('users.adminRoles.revoke')}
                          title={t('users.adminRoles.revokeTitle')}
                          text={t('users.adminRoles.revokeText', { role: label, email: user.email })}
                          testId="user-admin-role-revoke"
                          onConfirm={() =>
                            act(
                              () =>
                                api.delete<UserDetail>(`${path}/admin-roles`, {
                                  body: { role: grant.role, ...(grant.scope ? { scopeId: grant.scope.id } : {}) },
                                }),
                              t('users.adminRoles.revoked', { role: label }),
                            )
                          }
                        />
                      )}
                    </Flex>
                  </li>
                );
              })}
            </ul>
          )}
          {user.adminSignIn && (
            <Flex alignItems="center" gap="size-100" wrap>
              <StatusLight
                variant={user.adminSignIn.lastSignInAt ? 'positive' : 'notice'}
                data-testid="user-admin-sign-in"
              >
                {user.adminSignIn.lastSignInAt
                  ? t('users.adminSignIn.lastSignIn', {
                      time: formatDate.format(new Date(user.adminSignIn.lastSignInAt)),
                    })
                  : user.adminSignIn.passwordSet
                    ? t('users.adminSignIn.neverSignedIn')
                    : t('users.adminSignIn.invited')}
              </StatusLight>
              {!user.adminSignIn.passwordSet && !removed && can('adminRole.assign') && (
                <Button
                  variant="secondary"
                  isDisabled={pending}
                  onPress={() =>
                    act(
                      () => api.post(`${path}/invitation`).then(() => undefined),
                      t('users.adminSignIn.resent', { email: user.email }),
                    )
                  }
                  data-testid="user-resend-invitation"
                >
                  {t('users.adminSignIn.resend')}
                </Button>
              )}
            </Flex>
          )}
          {!removed && can('adminRole.assign') && (
            <Button variant="secondary" onPress={() => setDialog('adminRole')} data-testid="user-admin-role-add">
              {t('users.adminRoles.add')}
            </Button>
          )}
        </Flex>
      </Section>

      <Section id="user-content" title={t('users.details.content')}>
        <Flex gap="size-400" wrap>
          <LabeledValue label={t('users.content.items')} value={user.content.items} data-testid="user-content-items" />
          <LabeledValue
            label={t('users.content.size')}
            value={formatBytes(user.content.bytes, SPECTRUM_LOCALES[locale])}
            data-testid="user-content-size"
          />
        </Flex>
        {user.contentPending && (
          <Flex direction="column" gap="size-100" marginTop="size-150">
            <Text data-testid="user-content-pending">{t('users.content.pending')}</Text>
            {can('user.remove') && (
              <Flex gap="size-100">
                <Button variant="secondary" onPress={() => setDialog('transfer')} data-testid="user-content-transfer">
                  {t('users.content.transfer')}
                </Button>
                <ConfirmButton
                  label={t('users.content.delete')}
                  title={t('users.content.deleteTitle')}
                  text={t('users.content.deleteText', { email: user.email })}
                  testId="user-content-delete"
                  onConfirm={() =>
                    act(() => api.delete(`${path}/content`).then(() => undefined), t('users.content.deleted'))
                  }
                />
              </Flex>
            )}
          </Flex>
        )}
      </Section>

      <Section id="user-devices" title={t('users.details.devices')}>
        {can('device.read') && <DevicesSection userId={user.id} />}
      </Section>

      <DialogContainer onDismiss={() => setDialog(null)}>
        {dialog === 'edit' && <EditUserDialog user={user} onSaved={saved(t('users.edit.saved'))} />}
        {dialog === 'adminRole' && <AdminRoleDialog user={user} onSaved={saved(t('users.adminRoles.granted'))} />}
        {dialog === 'transfer' && <TransferContentDialog user={user} onSaved={saved(t('users.content.transferred'))} />}
        {dialog === 'remove' && (
          <RemoveUsersDialog
            userIds={[user.id]}
            email={user.email}
            onRemoved={() => {
              setNotice(t('users.remove.removed', { n: 1 }));
              void load();
            }}
          />
        )}
      </DialogContainer>
    </Flex>
  );
}
