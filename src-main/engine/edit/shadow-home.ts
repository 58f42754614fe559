/**
 * A stand-in home folder for the editor's preview. Every entry of the real home is a symbolic link
 * to the real entry, except the drafts. Each draft is a plain file with the bytes a save would
 * write, and the folders on its way are real folders whose other entries are links again. A
 * shell started with HOME pointing here reads the drafts where it would read the real files, and
 * everything else from the real home. The real files are not touched.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A file that replaces a real one in the stand-in, by its path relative to the home folder. */
export interface ShadowFile {
  relativePath: string;
  bytes: Buffer;
  mode: number;
}

export interface ShadowHome {
  /** The private folder that contains the stand-in home. */
  container: string;
  /** The stand-in home folder. */
  root: string;
  /** Replaces the stand-in's path by the real home's in a value. */
  mapBack(value: string): string;
  /** Removes the stand-in; the real entries its links point to stay as they are. */
  dispose(): Promise<void>;
}

/** Builds a stand-in for `home` with `files` in place of the real ones. */
export async function createShadowHome(home: string, files: ShadowFile[]): Promise<ShadowHome> {
  const container = await fs.mkdtemp(path.join(os.tmpdir(), 'go-env-lens-preview-'));
  const root = path.join(container, 'home');
  try {
    await fs.mkdir(root, { mode: 0o700 });
    const tree = treeOf(files);
    await fillDirectory(root, home, tree);
  } catch (error) {
    await fs.rm(container, { recursive: true, force: true });
    throw error;
  }
  return {
    container,
    root,
    mapBack: (value) => value.replaceAll(root, home),
    dispose: () => fs.rm(container, { recursive: true, force: true, maxRetries: 3 }),
  };
}

/** The drafts as a tree of folder names, with a file at each leaf. */
interface Tree {
  children: Map<string, Tree>;
  file: ShadowFile | null;
}

function treeOf(files: ShadowFile[]): Tree {
  const root: Tree = { children: new Map(), file: null };
  for (const file of files) {
    const parts = file.relativePath.split('/');
    if (parts.some((part) => part === '' || part === '.' || part === '..')) {
      throw new Error(`cannot stand in for ${JSON.stringify(file.relativePath)}: not a plain path inside the home folder`);
    }
    let node = root;
    for (const part of parts) {
      let child = node.children.get(part);
      if (!child) node.children.set(part, (child = { children: new Map(), file: null }));
      node = child;
    }
    node.file = file;
  }
  return root;
}

/**
 * Fills `target` with links to the entries of `source`, replacing the entries named in `tree`:
 * a draft becomes a file, a folder on a draft's way becomes a folder filled the same way.
 */
async function fillDirectory(target: string, source: string, tree: Tree): Promise<void> {
  const entries = await fs.readdir(source).catch(() => [] as string[]);
  for (const name of entries) {
    if (tree.children.has(name)) continue;
    await fs.symlink(path.join(source, name), path.join(target, name));
  }
  for (const [name, child] of tree.children) {
    const destination = path.join(target, name);
    if (child.file) {
      await fs.writeFile(destination, child.file.bytes, { mode: child.file.mode });
      await fs.chmod(destination, child.file.mode);
    } else {
      await fs.mkdir(destination, { mode: 0o700 });
      await fillDirectory(destination, path.join(source, name), child);
    }
  }
}
