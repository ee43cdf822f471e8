/**
 * Minimal TOML writer for director/agent configs: scalars, arrays and nested tables. A key whose value
 * is undefined is left out, so the program's default applies.
 */
export const toml = (o: Record<string, unknown>, prefix = ''): string => {
  const top: string[] = [];
  const sections: string[] = [];
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined) continue;
    if (v && typeof v === 'object' && !Array.isArray(v)) sections.push(`[${prefix}${k}]\n${toml(v as Record<string, unknown>, `${prefix}${k}.`)}`);
    else top.push(`${k} = ${JSON.stringify(v)}`);
  }
  return [...top, ...sections].join('\n') + '\n';
};
