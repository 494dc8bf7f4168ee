import {
  Button,
  ButtonGroup,
  Checkbox,
  Flex,
  Heading,
  NumberField,
  Radio,
  RadioGroup,
  Text,
  TextArea,
  TextField,
  View,
} from '@adobe/react-spectrum';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { SYNC_LIMITS, SYNC_MISSING_USERS, SYNC_PRESETS, type SyncMissingUsers } from '../../../shared/sync.ts';
import type { DirectorySync } from './types.ts';

/** The form's state: text fields as typed, lists as comma-separated names. */
export interface SyncFormState {
  url: string;
  startTls: boolean;
  caCertificate: string;
  bindDn: string;
  bindPassword: string;
  baseDn: string;
  userFilter: string;
  groupBaseDn: string;
  groupFilter: string;
  email: string;
  firstName: string;
  lastName: string;
  country: string;
  username: string;
  externalId: string;
  /** `key` tells the rows apart while they are edited (not sent). */
  groups: { key: string; directoryGroup: string; userGroups: string; profiles: string }[];
  missingUsers: SyncMissingUsers;
  maxRemovals: number;
  maxRemovalPercent: number;
  intervalMinutes: number;
}

/** The form filled from a saved connection, or empty with the OpenLDAP defaults. */
export function formFrom(sync: DirectorySync | null): SyncFormState {
  const preset = SYNC_PRESETS.openldap;
  return {
    url: sync?.url ?? '',
    startTls: sync?.startTls ?? false,
    caCertificate: sync?.caCertificate ?? '',
    bindDn: sync?.bindDn ?? '',
    bindPassword: '',
    baseDn: sync?.baseDn ?? '',
    userFilter: sync?.userFilter ?? preset.userFilter,
    groupBaseDn: sync?.groupBaseDn ?? '',
    groupFilter: sync?.groupFilter ?? preset.groupFilter,
    email: sync?.attributes.email ?? preset.attributes.email,
    firstName: sync?.attributes.firstName ?? preset.attributes.firstName,
    lastName: sync?.attributes.lastName ?? preset.attributes.lastName,
    country: sync ? (sync.attributes.country ?? '') : preset.attributes.country,
    username: sync ? (sync.attributes.username ?? '') : preset.attributes.username,
    externalId: sync ? (sync.attributes.externalId ?? '') : preset.attributes.externalId,
    groups: (sync?.groups ?? []).map((group) => ({
      key: crypto.randomUUID(),
      directoryGroup: group.directoryGroup,
      userGroups: (group.userGroups ?? []).join(', '),
      profiles: (group.profiles ?? []).join(', '),
    })),
    missingUsers: sync?.missingUsers ?? 'preserve',
    maxRemovals: sync?.maxRemovals ?? SYNC_LIMITS.maxRemovalsDefault,
    maxRemovalPercent: sync?.maxRemovalPercent ?? SYNC_LIMITS.maxRemovalPercentDefault,
    intervalMinutes: sync?.intervalMinutes ?? 0,
  };
}

const names = (text: string) =>
  text
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
const optional = (text: string) => (text.trim() === '' ? undefined : text.trim());

/** The body of `PUT …/sync` (and of "Test connection") from the form. */
export function bodyOf(form: SyncFormState) {
  return {
    url: form.url.trim(),
    startTls: form.startTls,
    caCertificate: form.caCertificate.trim() || null,
    bindDn: form.bindDn.trim(),
    ...(form.bindPassword ? { bindPassword: form.bindPassword } : {}),
    baseDn: form.baseDn.trim(),
    userFilter: form.userFilter.trim(),
    groupBaseDn: form.groupBaseDn.trim() || null,
    groupFilter: form.groupFilter.trim() || null,
    attributes: {
      email: form.email.trim(),
      firstName: form.firstName.trim(),
      lastName: form.lastName.trim(),
      country: optional(form.country),
      username: optional(form.username),
      externalId: optional(form.externalId),
    },
    groups: form.groups
      .filter((group) => group.directoryGroup.trim() !== '')
      .map((group) => ({
        directoryGroup: group.directoryGroup.trim(),
        userGroups: names(group.userGroups),
        profiles: names(group.profiles),
      })),
    missingUsers: form.missingUsers,
    maxRemovals: form.maxRemovals,
    maxRemovalPercent: form.maxRemovalPercent,
    intervalMinutes: form.intervalMinutes,
  };
}

/** The attribute mapping's fields, in the form's order: the user's attribute, whether a sync needs it, its test id. */
const ATTRIBUTES = [
  { key: 'email', required: true, testId: 'email' },
  { key: 'firstName', required: true, testId: 'first-name' },
  { key: 'lastName', required: true, testId: 'last-name' },
  { key: 'country', required: false, testId: 'country' },
  { key: 'username', required: false, testId: 'username' },
  { key: 'externalId', required: false, testId: 'external-id' },
] as const;

/**
 * The sync connection form: server and TLS, bind account (write-only password), where users and
 * groups are, attribute mapping with Active Directory and OpenLDAP presets, group mapping, what
 * happens to users no longer in the directory, the safety limit and the schedule.
 */
export function SyncForm(props: {
  form: SyncFormState;
  onChange: (form: SyncFormState) => void;
  passwordStored: boolean;
  pending: 'save' | 'test' | null;
  onSave: () => void;
  onTest: () => void;
}) {
  const { t } = useTranslation();
  const { form, onChange } = props;
  const [presetNote, setPresetNote] = useState<string | null>(null);
  const set =
    <K extends keyof SyncFormState>(key: K) =>
    (value: SyncFormState[K]) =>
      onChange({ ...form, [key]: value });
  const applyPreset = (name: keyof typeof SYNC_PRESETS) => {
    const preset = SYNC_PRESETS[name];
    onChange({
      ...form,
      userFilter: preset.userFilter,
      groupFilter: preset.groupFilter,
      ...preset.attributes,
    });
    setPresetNote(t(`sync.form.presetApplied.${name}`));
  };
  const setGroup = (index: number, key: 'directoryGroup' | 'userGroups' | 'profiles', value: string) =>
    onChange({
      ...form,
      groups: form.groups.map((group, at) => (at === index ? { ...group, [key]: value } : group)),
    });

  return (
    <Flex direction="column" gap="size-200" maxWidth="size-6000" data-testid="sync-form">
      <Heading level={2} margin={0}>
        {t('sync.form.server')}
      </Heading>
      <TextField
        label={t('sync.form.url')}
        description={t('sync.form.urlHelp')}
        value={form.url}
        onChange={set('url')}
        isRequired
        width="100%"
        data-testid="sync-url"
      />
      <Checkbox isSelected={form.startTls} onChange={set('startTls')} data-testid="sync-starttls">
        {t('sync.form.startTls')}
      </Checkbox>
      <TextArea
        label={t('sync.form.caCertificate')}
        description={t('sync.form.caCertificateHelp')}
        value={form.caCertificate}
        onChange={set('caCertificate')}
        width="100%"
        data-testid="sync-ca"
      />
      <TextField
        label={t('sync.form.bindDn')}
        value={form.bindDn}
        onChange={set('bindDn')}
        isRequired
        width="100%"
        data-testid="sync-bind-dn"
      />
      <TextField
        label={t('sync.form.bindPassword')}
        type="password"
        autoComplete="new-password"
        description={props.passwordStored ? t('sync.form.bindPasswordStored') : t('sync.form.bindPasswordHelp')}
        value={form.bindPassword}
        onChange={set('bindPassword')}
        isRequired={!props.passwordStored}
        width="100%"
        data-testid="sync-bind-password"
      />

      <Heading level={2} marginBottom={0}>
        {t('sync.form.users')}
      </Heading>
      <Flex gap="size-100" alignItems="center" wrap>
        <Text>{t('sync.form.presets')}</Text>
        <Button variant="secondary" onPress={() => applyPreset('active-directory')} data-testid="sync-preset-ad">
          {t('sync.form.presetActiveDirectory')}
        </Button>
        <Button variant="secondary" onPress={() => applyPreset('openldap')} data-testid="sync-preset-openldap">
          {t('sync.form.presetOpenLdap')}
        </Button>
        {presetNote && <Text data-testid="sync-preset-note">{presetNote}</Text>}
      </Flex>
      <TextField
        label={t('sync.form.baseDn')}
        value={form.baseDn}
        onChange={set('baseDn')}
        isRequired
        width="100%"
        data-testid="sync-base-dn"
      />
      <TextField
        label={t('sync.form.userFilter')}
        value={form.userFilter}
        onChange={set('userFilter')}
        isRequired
        width="100%"
        data-testid="sync-user-filter"
      />
      <TextField
        label={t('sync.form.groupBaseDn')}
        description={t('sync.form.groupBaseDnHelp')}
        value={form.groupBaseDn}
        onChange={set('groupBaseDn')}
        width="100%"
        data-testid="sync-group-base-dn"
      />
      <TextField
        label={t('sync.form.groupFilter')}
        value={form.groupFilter}
        onChange={set('groupFilter')}
        width="100%"
        data-testid="sync-group-filter"
      />
      <Flex gap="size-200" wrap>
        {ATTRIBUTES.map(({ key, required, testId }) => (
          <TextField
            key={key}
            label={t(`sync.form.attribute.${key}`)}
            value={form[key]}
            onChange={set(key)}
            isRequired={required}
            width="size-2000"
            data-testid={`sync-attr-${testId}`}
          />
        ))}
      </Flex>

      <Heading level={2} marginBottom={0}>
        {t('sync.form.groups')}
      </Heading>
      <Text>{t('sync.form.groupsHelp')}</Text>
      {form.groups.map((group, index) => (
        <View
          key={group.key}
          borderWidth="thin"
          borderColor="gray-300"
          borderRadius="medium"
          padding="size-150"
          data-testid="sync-mapping"
        >
          <Flex gap="size-150" wrap alignItems="end">
            <TextField
              label={t('sync.form.directoryGroup')}
              value={group.directoryGroup}
              onChange={(value) => setGroup(index, 'directoryGroup', value)}
              width="size-3600"
              data-testid="sync-mapping-directory-group"
            />
            <TextField
              label={t('sync.form.userGroups')}
              value={group.userGroups}
              onChange={(value) => setGroup(index, 'userGroups', value)}
              width="size-2400"
              data-testid="sync-mapping-user-groups"
            />
            <TextField
              label={t('sync.form.profiles')}
              value={group.profiles}
              onChange={(value) => setGroup(index, 'profiles', value)}
              width="size-2400"
              data-testid="sync-mapping-profiles"
            />
            <Button
              variant="secondary"
              onPress={() => onChange({ ...form, groups: form.groups.filter((_, at) => at !== index) })}
              aria-label={t('sync.form.removeMapping')}
            >
              {t('sync.form.removeMapping')}
            </Button>
          </Flex>
        </View>
      ))}
      <View>
        <Button
          variant="secondary"
          onPress={() =>
            onChange({
              ...form,
              groups: [...form.groups, { key: crypto.randomUUID(), directoryGroup: '', userGroups: '', profiles: '' }],
            })
          }
          data-testid="sync-add-mapping"
        >
          {t('sync.form.addMapping')}
        </Button>
      </View>

      <Heading level={2} marginBottom={0}>
        {t('sync.form.missingUsers')}
      </Heading>
      <RadioGroup
        label={t('sync.form.missingUsersLabel')}
        value={form.missingUsers}
        onChange={(value) => set('missingUsers')(value as SyncMissingUsers)}
        data-testid="sync-missing-users"
      >
        {SYNC_MISSING_USERS.map((policy) => (
          <Radio key={policy} value={policy} data-testid={`sync-missing-${policy}`}>
            {t(`sync.missingUsers.${policy}`)}
          </Radio>
        ))}
      </RadioGroup>
      <Flex gap="size-200" wrap>
        <NumberField
          label={t('sync.form.maxRemovals')}
          description={t('sync.form.maxRemovalsHelp')}
          value={form.maxRemovals}
          onChange={set('maxRemovals')}
          minValue={0}
          step={1}
          width="size-2400"
          data-testid="sync-max-removals"
        />
        <NumberField
          label={t('sync.form.maxRemovalPercent')}
          value={form.maxRemovalPercent}
          onChange={set('maxRemovalPercent')}
          minValue={1}
          maxValue={100}
          step={1}
          width="size-2400"
        />
        <NumberField
          label={t('sync.form.interval')}
          description={t('sync.form.intervalHelp', { min: SYNC_LIMITS.minIntervalMinutes })}
          value={form.intervalMinutes}
          onChange={set('intervalMinutes')}
          minValue={0}
          step={1}
          width="size-2400"
          data-testid="sync-interval"
        />
      </Flex>
      <ButtonGroup>
        <Button variant="accent" onPress={props.onSave} isPending={props.pending === 'save'} data-testid="sync-save">
          {t('sync.form.save')}
        </Button>
        <Button variant="secondary" onPress={props.onTest} isPending={props.pending === 'test'} data-testid="sync-test">
          {t('sync.form.test')}
        </Button>
      </ButtonGroup>
    </Flex>
  );
}
