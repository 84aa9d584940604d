import {
  Alert,
  Badge,
  Button,
  Fieldset,
  Group,
  Loader,
  Modal,
  Select,
  Stack,
  Table,
  Tabs,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  LANGUAGES as REQUEST_LANGUAGES,
  type Language as RequestLanguage,
} from '../../../src/i18n/languages.ts';
import type { AnswerKind, InquiryStatus } from '../../../src/relatives/relatives.lists.ts';
import type { NewInquiry } from '../../../src/relatives/relatives.schemas.ts';
import { createInquiry, listInquiries } from '../api.ts';
import { FormGrid, Pager } from '../components/registry-ui.tsx';
import { usePageTitle } from '../hooks/use-page-title.ts';
import { describeError } from '../lib/errors.ts';
import { describePartialDate, formatDateTime, parsePartialDate } from '../lib/format.ts';
import { languageName } from '../lib/labels.ts';
import { notifySuccess } from '../lib/notify.ts';
import { fieldErrorsOf, formatDate } from '../lib/pow.ts';
import { queryKeys } from '../lib/query-keys.ts';
import { Link, navigate, paths } from '../lib/router.tsx';
import { hasPermission, useCurrentUser } from '../lib/session.tsx';

const LIMIT = 25;

export const ANSWER_COLORS: Record<AnswerKind, string> = {
  found: 'teal',
  not_found: 'gray',
  not_disclosed: 'orange',
};

/**
 * The relatives desk: inquiries "is this person held?" from the web form, Telegram and the phone.
 * Registrars work through the open ones; operators take new ones by phone.
 */
export function RelativesPage() {
  const { t } = useTranslation();
  const user = useCurrentUser();
  const canRead = hasPermission(user, 'inquiry.read');
  const canCreate = hasPermission(user, 'inquiry.create');
  usePageTitle(t('relatives.title'));
  const [tab, setTab] = useState<InquiryStatus>('open');
  const [offset, setOffset] = useState(0);
  const [creating, setCreating] = useState(false);

  return (
    <Stack gap="md" data-testid="relatives-page">
      <Group justify="space-between" align="center">
        <Title order={1} size="h3">
          {t('relatives.title')}
        </Title>
        {canCreate && (
          <Button size="xs" onClick={() => setCreating(true)} data-testid="inquiry-new">
            {t('relatives.new.button')}
          </Button>
        )}
      </Group>
      <Text size="sm" c="dimmed">
        {t('relatives.intro')}
      </Text>
      {canRead && (
        <Tabs
          value={tab}
          onChange={(v) => {
            setTab((v as InquiryStatus | null) ?? 'open');
            setOffset(0);
          }}
        >
          <Tabs.List>
            <Tabs.Tab value="open" data-testid="inquiries-tab-open">
              {t('relatives.tabs.open')}
            </Tabs.Tab>
            <Tabs.Tab value="answered" data-testid="inquiries-tab-answered">
              {t('relatives.tabs.answered')}
            </Tabs.Tab>
          </Tabs.List>
        </Tabs>
      )}
      {canRead && <InquiryList status={tab} offset={offset} onOffset={setOffset} />}
      {creating && <NewInquiryModal canRead={canRead} onClose={() => setCreating(false)} />}
    </Stack>
  );
}

function InquiryList({
  status,
  offset,
  onOffset,
}: {
  status: InquiryStatus;
  offset: number;
  onOffset: (n: number) => void;
}) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const list = useQuery({
    queryKey: queryKeys.inquiries({ status, offset }),
    queryFn: ({ signal }) => listInquiries({ status, limit: LIMIT, offset }, signal),
    placeholderData: keepPreviousData,
    refetchInterval: 60_000,
  });
  if (list.isError)
    return (
      <Alert color="red" role="alert">
        {describeError(t, list.error)}
      </Alert>
    );
  if (list.isPending) return <Loader aria-label={t('app.loading')} />;
  const { items, total } = list.data;
  return (
    <Stack gap="sm">
      {items.length === 0 ? (
        <Text size="sm" c="dimmed" data-testid="inquiries-empty">
          {t('relatives.empty')}
        </Text>
      ) : (
        <div className="wf-table-scroll">
          <Table
            className="wf-badges-full"
            highlightOnHover
            verticalSpacing={6}
            aria-label={t('relatives.tableLabel')}
            data-testid="inquiries-table"
            data-status={status}
          >
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">{t('relatives.columns.ref')}</Table.Th>
                <Table.Th scope="col">{t('relatives.columns.sought')}</Table.Th>
                <Table.Th scope="col">{t('relatives.columns.dateOfBirth')}</Table.Th>
                <Table.Th scope="col">{t('relatives.columns.channel')}</Table.Th>
                <Table.Th scope="col">{t('relatives.columns.language')}</Table.Th>
                <Table.Th scope="col">{t('relatives.columns.created')}</Table.Th>
                {status === 'answered' && <Table.Th scope="col">{t('relatives.columns.answer')}</Table.Th>}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((i) => (
                <Table.Tr key={i.id} data-testid={`inquiry-row-${i.ref}`}>
                  <Table.Td>
                    <Link to={paths.inquiry(i.id)} className="wf-ref">
                      {i.ref}
                    </Link>
                  </Table.Td>
                  <Table.Td lang={i.language}>
                    {[i.sought.surname, i.sought.firstNames, i.sought.fatherName].filter(Boolean).join(' ')}
                  </Table.Td>
                  <Table.Td className="wf-nowrap">{formatDate(i.sought.dateOfBirth, lang)}</Table.Td>
                  <Table.Td>{t(`relatives.channel.${i.channel}`)}</Table.Td>
                  <Table.Td>{languageName(t, i.language)}</Table.Td>
                  <Table.Td className="wf-nowrap">{formatDateTime(i.createdAt, lang)}</Table.Td>
                  {status === 'answered' && (
                    <Table.Td>
                      {i.answerKind && (
                        <Badge color={ANSWER_COLORS[i.answerKind]} variant="light" tt="none">
                          {t(`relatives.answerKind.${i.answerKind}`)}
                        </Badge>
                      )}
                    </Table.Td>
                  )}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </div>
      )}
      {total > 0 && (
        <Pager
          offset={offset}
          limit={LIMIT}
          count={items.length}
          total={total}
          onOffset={onOffset}
          testId="inquiries-pager"
        />
      )}
    </Stack>
  );
}

interface InquiryDraft {
  language: RequestLanguage;
  surname: string;
  firstNames: string;
  fatherName: string;
  dateOfBirth: string;
  name: string;
  relationship: string;
  contact: string;
  message: string;
}

/** An inquiry taken on the phone: the answer goes back by phone, in the caller's language. */
function NewInquiryModal({ canRead, onClose }: { canRead: boolean; onClose: () => void }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const queryClient = useQueryClient();
  const [d, setD] = useState<InquiryDraft>({
    language: 'ru',
    surname: '',
    firstNames: '',
    fatherName: '',
    dateOfBirth: '',
    name: '',
    relationship: '',
    contact: '',
    message: '',
  });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const set = (patch: Partial<InquiryDraft>) => setD((x) => ({ ...x, ...patch }));

  const create = useMutation({
    mutationFn: (body: NewInquiry) => createInquiry(body),
    onSuccess: (r) => {
      notifySuccess(t('relatives.new.created', { ref: r.ref }));
      void queryClient.invalidateQueries({ queryKey: queryKeys.inquiriesAll });
      onClose();
      if (canRead) navigate(paths.inquiry(r.id));
    },
    onError: (e) => setErrors(fieldErrorsOf(e)),
  });

  const understoodDob = d.dateOfBirth.trim() ? parsePartialDate(d.dateOfBirth) : null;
  const submit = () => {
    const required = t('registry.form.required');
    const local: Record<string, string> = {};
    if (!d.surname.trim()) local['sought.surname'] = required;
    if (!d.firstNames.trim()) local['sought.firstNames'] = required;
    if (!d.name.trim()) local['relative.name'] = required;
    if (!d.relationship.trim()) local['relative.relationship'] = required;
    const dob = d.dateOfBirth.trim() ? parsePartialDate(d.dateOfBirth) : null;
    if (d.dateOfBirth.trim() && !dob) local['sought.dateOfBirth'] = t('relatives.new.badDate');
    setErrors(local);
    if (Object.keys(local).length > 0) return;
    const opt = (v: string) => (v.trim() ? v.trim() : undefined);
    const sought: NewInquiry['sought'] = { surname: d.surname.trim(), firstNames: d.firstNames.trim() };
    if (opt(d.fatherName)) sought.fatherName = opt(d.fatherName);
    if (dob) sought.dateOfBirth = dob;
    const relative: NewInquiry['relative'] = { name: d.name.trim(), relationship: d.relationship.trim() };
    if (opt(d.contact)) relative.contact = opt(d.contact);
    create.mutate({
      language: d.language,
      sought,
      relative,
      ...(opt(d.message) ? { message: opt(d.message) } : {}),
    });
  };

  const field = (key: keyof InquiryDraft, path: string, label: string, required = false, max = 200) => (
    <TextInput
      label={label}
      withAsterisk={required}
      value={d[key]}
      onChange={(e) => set({ [key]: e.currentTarget.value })}
      error={errors[path]}
      maxLength={max}
      data-testid={`inquiry-field-${key}`}
    />
  );

  return (
    <Modal opened onClose={onClose} title={t('relatives.new.title')} size="lg">
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <Stack gap="sm">
          <Select
            label={t('relatives.new.language')}
            value={d.language}
            allowDeselect={false}
            onChange={(v) => v && set({ language: v as RequestLanguage })}
            data={REQUEST_LANGUAGES.map((l) => ({ value: l, label: languageName(t, l) }))}
          />
          <Fieldset legend={t('relatives.new.sought')}>
            <FormGrid cols={2}>
              {field('surname', 'sought.surname', t('relatives.new.surname'), true)}
              {field('firstNames', 'sought.firstNames', t('relatives.new.firstNames'), true)}
              {field('fatherName', 'sought.fatherName', t('relatives.new.fatherName'))}
              <TextInput
                label={t('relatives.new.dateOfBirth')}
                description={
                  understoodDob
                    ? t('relatives.new.dateUnderstood', { date: describePartialDate(understoodDob, lang) })
                    : t('relatives.new.dateOfBirthHint')
                }
                value={d.dateOfBirth}
                onChange={(e) => set({ dateOfBirth: e.currentTarget.value })}
                error={errors['sought.dateOfBirth']}
                maxLength={12}
                data-testid="inquiry-dob"
              />
            </FormGrid>
          </Fieldset>
          <Fieldset legend={t('relatives.new.relative')}>
            <FormGrid cols={2}>
              {field('name', 'relative.name', t('relatives.new.name'), true)}
              {field('relationship', 'relative.relationship', t('relatives.new.relationship'), true, 100)}
              {field('contact', 'relative.contact', t('relatives.new.contact'), false, 300)}
            </FormGrid>
          </Fieldset>
          <Textarea
            label={t('relatives.new.message')}
            value={d.message}
            onChange={(e) => set({ message: e.currentTarget.value })}
            autosize
            minRows={2}
            maxLength={4000}
          />
          {create.isError && Object.keys(errors).length === 0 && (
            <Alert color="red" role="alert" p="xs">
              {describeError(t, create.error)}
            </Alert>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('app.cancel')}
            </Button>
            <Button type="submit" loading={create.isPending} data-testid="inquiry-new-submit">
              {t('relatives.new.submit')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
