import { notifications } from '@mantine/notifications';
import type { TFunction } from 'i18next';
import { describeError } from './errors.ts';

export function notifySuccess(message: string): void {
  notifications.show({ message, color: 'teal', autoClose: 3000, role: 'status' });
}

export function notifyError(t: TFunction, e: unknown): void {
  notifications.show({ message: describeError(t, e), color: 'red', autoClose: 8000 });
}
