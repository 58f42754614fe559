/** Navigation state: the view on show, and the variable and context the variable view shows. */

/** The views of the tab bar. */
export type View = 'overview' | 'variables' | 'go' | 'edit' | 'findings';

/** Navigation between the overview and the variable view, shared by both. */
export class ViewState {
  view = $state<View>('overview');
  /** The variable whose provenance the variable view shows. */
  variable = $state('PATH');
  /** The context the variable view scrolls to and marks, or null for none. */
  focusedContextId = $state<string | null>(null);

  /** Opens the variable view on a variable, scrolled to one context's story of it. */
  showVariable(variable: string, contextId: string | null): void {
    this.variable = variable;
    this.focusedContextId = contextId;
    this.view = 'variables';
  }
}
