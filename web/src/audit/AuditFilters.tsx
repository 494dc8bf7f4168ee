import { Button, ComboBox, DatePicker, Flex, Form, Item, TextField, useFilter } from '@adobe/react-spectrum';
import { type FormEvent, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { AUDIT_ACTIONS, useActionName } from './actions.ts';
import { type AuditFilterForm, EMPTY_FILTERS } from './filters.ts';

interface AuditFiltersProps {
  /** The filters applied (from the address). */
  initial: AuditFilterForm;
  onApply: (filters: AuditFilterForm) => void;
}

/**
 * Action (a picker of the actions' names, or a typed prefix such as `auth.`), actor, target and
 * time-range filters of the audit log, applied with a button.
 */
export function AuditFilters({ initial, onApply }: AuditFiltersProps) {
  const { t } = useTranslation();
  const actionName = useActionName();
  const [form, setForm] = useState<AuditFilterForm>(initial);
  // The address changed from outside (Back, a bookmark): the form shows the filters applied.
  useEffect(() => setForm(initial), [initial]);
  const set =
    <K extends keyof AuditFilterForm>(key: K) =>
    (value: AuditFilterForm[K]) =>
      setForm((current) => ({ ...current, [key]: value }));

  const actions = AUDIT_ACTIONS.map((action) => ({ id: action, name: actionName(action) })).sort((a, b) =>
    a.name.localeCompare(b.name),
  );
  const known = actions.find((action) => action.id === form.action);
  const [actionText, setActionText] = useState(known?.name ?? form.action);
  // The picker offers the actions whose name holds the typed text (or whose code starts with it);
  // all of them while it shows the chosen action's name.
  const { contains } = useFilter({ sensitivity: 'base' });
  const typed = actionText.trim();
  const offered =
    known && actionText === known.name
      ? actions
      : actions.filter((action) => contains(action.name, typed) || action.id.startsWith(typed));
  useEffect(() => {
    setActionText(
      AUDIT_ACTIONS.some((action) => action === initial.action) ? actionName(initial.action) : initial.action,
    );
  }, [initial, actionName]);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    onApply(form);
  };

  return (
    <Form onSubmit={submit} aria-label={t('audit.filters')} data-testid="audit-filters">
      <Flex gap="size-200" wrap alignItems="start">
        <ComboBox
          label={t('audit.filter.action')}
          description={t('audit.filter.actionHint')}
          items={offered}
          allowsCustomValue
          menuTrigger="focus"
          inputValue={actionText}
          onInputChange={(value) => {
            setActionText(value);
            const chosen = actions.find((action) => action.name === value);
            set('action')(chosen ? chosen.id : value.trim());
          }}
          selectedKey={known?.id ?? null}
          onSelectionChange={(key) => {
            const chosen = actions.find((action) => action.id === key);
            if (chosen) {
              setActionText(chosen.name);
              set('action')(chosen.id);
            }
          }}
          width="size-3600"
          data-testid="audit-filter-action"
        >
          {(action) => <Item key={action.id}>{action.name}</Item>}
        </ComboBox>
        <TextField
          label={t('audit.filter.actor')}
          value={form.actor}
          onChange={set('actor')}
          maxLength={320}
          width="size-2400"
          data-testid="audit-filter-actor"
        />
        <TextField
          label={t('audit.filter.target')}
          value={form.target}
          onChange={set('target')}
          maxLength={320}
          width="size-2400"
          data-testid="audit-filter-target"
        />
        <DatePicker
          label={t('audit.filter.since')}
          granularity="minute"
          value={form.since}
          onChange={set('since')}
          data-testid="audit-filter-since"
        />
        <DatePicker
          label={t('audit.filter.until')}
          granularity="minute"
          value={form.until}
          onChange={set('until')}
          data-testid="audit-filter-until"
        />
        <Flex gap="size-100" marginTop="size-300">
          <Button type="submit" variant="accent" data-testid="audit-apply">
            {t('audit.apply')}
          </Button>
          <Button
            variant="secondary"
            onPress={() => {
              setForm(EMPTY_FILTERS);
              setActionText('');
              onApply(EMPTY_FILTERS);
            }}
            data-testid="audit-reset"
          >
            {t('audit.reset')}
          </Button>
        </Flex>
      </Flex>
    </Form>
  );
}
