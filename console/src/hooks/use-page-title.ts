import { useDocumentTitle } from '@mantine/hooks';

/** "<page> · Whiteflag": screen-reader users and busy tab bars know where they are. */
export function usePageTitle(title: string): void {
  useDocumentTitle(title ? `${title} · Whiteflag` : 'Whiteflag');
}
