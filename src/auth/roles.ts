export const ROLES = ['operator', 'supervisor', 'registrar', 'liaison', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(v: string): v is Role {
  return (ROLES as readonly string[]).includes(v);
}
