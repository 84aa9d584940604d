import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import type { DirectoryEntry } from '../../../src/auth/auth.schemas.ts';
import { getUserDirectory } from '../api.ts';
import { queryKeys } from '../lib/query-keys.ts';

/** Console users by id, to show who holds a request. Changes rarely: cached for five minutes. */
export function useDirectory(): { list: DirectoryEntry[]; byId: Map<string, DirectoryEntry> } {
  const q = useQuery({ queryKey: queryKeys.directory, queryFn: getUserDirectory, staleTime: 5 * 60_000 });
  return useMemo(() => {
    const list = q.data?.items ?? [];
    return { list, byId: new Map(list.map((u) => [u.id, u])) };
  }, [q.data]);
}

/** Who may hold a request: the roles that work the queue. */
export function assignableUsers(list: DirectoryEntry[]): DirectoryEntry[] {
  return list.filter((u) => u.role === 'operator' || u.role === 'supervisor' || u.role === 'admin');
}
