import {
  Button,
  ButtonGroup,
  Content,
  Dialog,
  Divider,
  Flex,
  Heading,
  LabeledValue,
  Text,
  useDialogContainer,
  View,
} from '@adobe/react-spectrum';
import { useTranslation } from 'react-i18next';
import type { AuditEvent } from '../types.ts';
import { useActionName } from './actions.ts';
import { auditChanges, auditFieldName } from './values.ts';

/** Who did it, in words. */
export function useActorName(): (event: AuditEvent) => string {
  const { t } = useTranslation();
  return (event) =>
    event.actor.label ??
    (event.actor.type === 'system' ? t('audit.system') : (event.actor.id ?? t('audit.value.none')));
}

/** To whom or what, in words. */
export function targetName(event: AuditEvent): string | null {
  return event.target?.label ?? event.target?.id ?? null;
}

/**
 * One audit event: who did what to whom, when and from where, and its fields before and after side
 * by side (the changed ones marked).
 */
export function AuditEventDialog({ event, formatDate }: { event: AuditEvent; formatDate: (date: Date) => string }) {
  const { t } = useTranslation();
  const { dismiss } = useDialogContainer();
  const actionName = useActionName();
  const actorName = useActorName();
  const changes = auditChanges(t, event.before, event.after, formatDate);
  const target = targetName(event);
  return (
    <Dialog size="L" data-testid="audit-event-dialog">
      <Heading>{actionName(event.action)}</Heading>
      <Divider />
      <Content>
        <View marginBottom="size-200">
          <Text data-testid="audit-event-sentence">
            {target
              ? t('audit.details.sentence', { actor: actorName(event), action: actionName(event.action), target })
              : t('audit.details.sentenceNoTarget', { actor: actorName(event), action: actionName(event.action) })}
          </Text>
        </View>
        <Flex wrap gap="size-300" marginBottom="size-200">
          <LabeledValue label={t('audit.column.at')} value={formatDate(new Date(event.at))} />
          <LabeledValue label={t('audit.column.actor')} value={actorName(event)} />
          <LabeledValue label={t('audit.column.target')} value={target ?? t('audit.value.none')} />
          <LabeledValue label={t('audit.column.ip')} value={event.source.ip ?? t('audit.value.none')} />
          <LabeledValue label={t('audit.details.client')} value={event.source.userAgent ?? t('audit.value.none')} />
          <LabeledValue label={t('audit.details.code')} value={event.action} />
        </Flex>
        {changes.length === 0 ? (
          <Text>{t('audit.details.noFields')}</Text>
        ) : (
          <div className="usher-review usher-diff">
            <table data-testid="audit-event-diff">
              <caption>{t('audit.details.diffCaption')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('audit.details.field')}</th>
                  <th scope="col">{t('audit.details.before')}</th>
                  <th scope="col">{t('audit.details.after')}</th>
                </tr>
              </thead>
              <tbody>
                {changes.map((change) => (
                  <tr key={change.field} data-field={change.field} data-changed={change.changed}>
                    <th scope="row">{auditFieldName(t, change.field)}</th>
                    <td data-side="before">{event.before === null ? '' : change.before}</td>
                    <td data-side="after">{event.after === null ? '' : change.after}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Content>
      <ButtonGroup>
        <Button variant="secondary" onPress={dismiss} data-testid="audit-event-close">
          {t('audit.details.close')}
        </Button>
      </ButtonGroup>
    </Dialog>
  );
}
