/**
 * Minimal TOML writer for director/agent configs: scalars, arrays and nested tables. A key whose value
 * is undefined is left out, so the program's default applies.
 */
export const toml = (values: Record<string, unknown>, prefix = ''): string => {
  const top: string[] = [];
  const sections: string[] = [];
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) continue;
    if (value && typeof value === 'object' && !Array.isArray(value)) sections.push(`[${prefix}${key}]\n${toml(value as Record<string, unknown>, `${prefix}${key}.`)}`);
    else top.push(`${key} = ${JSON.stringify(value)}`);
  }
  return [...top, ...sections].join('\n') + '\n';
};
