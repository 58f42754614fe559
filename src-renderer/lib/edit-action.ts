/**
 * The "Edit" action of file links, provided by the window through Svelte context so every
 * provenance link can offer it without each component in between passing it on.
 */
import { getContext, setContext } from 'svelte';

import type { SourceLocation } from '../../src-main/shared/provenance.ts';

/** Opens a file of the startup chain in the Edit view, at a line. */
export interface EditAction {
  /** Reports whether the Edit view can open the file: a startup file or Go env file of the scan. */
  canEdit(path: string): boolean;
  edit(location: SourceLocation): void;
}

const EDIT_ACTION_KEY = Symbol('edit-action');

/** Provides the action to every component below the caller. */
export function setEditAction(action: EditAction): void {
  setContext(EDIT_ACTION_KEY, action);
}

/** Returns the action, or null outside a window that provides one. */
export function getEditAction(): EditAction | null {
  return getContext<EditAction | undefined>(EDIT_ACTION_KEY) ?? null;
}
