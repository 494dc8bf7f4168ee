import { Button, DatePicker, Flex, Form, TextField } from '@adobe/react-spectrum';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type AuditFilterForm, EMPTY_FILTERS } from './filters.ts';

interface AuditFiltersProps {
  initial: AuditFilterForm;
  onApply: (filters: AuditFilterForm) => void;
}

/** Action, actor, target and time-range filters of the audit log, applied with a button. */
export function AuditFilters({ initial, onApply }: AuditFiltersProps) {
  const { t } = useTranslation();
  const [form, setForm] = useState<AuditFilterForm>(initial);
  const set =
    <K extends keyof AuditFilterForm>(key: K) =>
    (value: AuditFilterForm[K]) =>
      setForm((current) => ({ ...current, [key]: value }));

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    onApply(form);
  };

  return (
    <Form onSubmit={submit} aria-label={t('audit.filters')} data-testid="audit-filters">
      <Flex gap="size-200" wrap alignItems="start">
        <TextField
          label={t('audit.filter.action')}
          description={t('audit.filter.actionHint')}
          value={form.action}
          onChange={set('action')}
          maxLength={200}
          width="size-2400"
          data-testid="audit-filter-action"
        />
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
