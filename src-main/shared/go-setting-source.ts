/** Words for the layer a Go setting comes from, shared by the CLI and the UI. */
import type { GoSettingSource } from './go-layers.ts';

/** Describes a setting's layer, e.g. "Go env file /home/u/.config/go/env:2". */
export function describeSettingSource(source: GoSettingSource): string {
  switch (source.layer) {
    case 'environment':
      return 'environment';
    case 'env-file':
      return `Go env file ${source.path}:${source.line}`;
    case 'goroot-go.env':
      return `${source.path}:${source.line}`;
    default:
      return `default: ${source.rule}`;
  }
}
