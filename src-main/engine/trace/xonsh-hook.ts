/**
 * The xonsh rc file that traces a xonsh startup, and the reader of what it writes. xonsh runs it
 * as the first of its rc files (`--rc HOOK <the usual rc files>`). It writes one JSON record per
 * line, each after RECORD_START, to the probe's trace file:
 *
 * - `rc-start` / `rc-end` around every later rc file, with PATH before and after it.
 * - `set` when a variable is created or changed (`events.on_envvar_new` and `on_envvar_change`),
 *   and when PATH is changed in place (`$PATH.insert(…)`, `.append`, `.add`, `del $PATH[0]`),
 *   which fires no event, so the hook wraps those methods of `EnvPath`.
 * - `unset` for `del $NAME`.
 * - `hook-error` when the hook could not install itself (another xonsh version).
 *
 * `set` and `unset` carry the Python stack without xonsh's and Python's own frames, innermost
 * first: file, line, function name and source line. Checked on xonsh 0.13.4.
 */
import { RECORD_START } from './trace-record.ts';

/** One frame of a user's rc code: file, line, function (`<module>` at file level), source line. */
export type XonshFrame = [file: string, line: number, functionName: string, source: string];

export type XonshTraceRecord =
  | { event: 'rc-start'; file: string }
  | { event: 'rc-end'; file: string; loaded: boolean; pathBefore: string | null; pathAfter: string | null }
  | { event: 'set'; name: string; value: string | null; stack: XonshFrame[] }
  | { event: 'unset'; name: string; stack: XonshFrame[] }
  | { event: 'hook-error'; message: string };

/**
 * Returns the text of the hook rc file. `hookFile` is where it is written and `traceFile` where
 * it writes. The hook defines one function, calls it and deletes it, so the rc namespace and the
 * environment are left as they were. xonsh writes a compiled copy of every rc file to its script
 * cache. The hook removes its own copy and the directories made for it. It also removes the cache
 * directory when that is left empty and `cacheRootExisted` is false. So nothing of the probe stays
 * in the user's data directory.
 */
export function xonshHookScript(hookFile: string, traceFile: string, cacheRootExisted: boolean): string {
  return `# Go Env Lens: records where environment variables change while the rc files run.
def _go_env_lens_trace(hook_file, trace_file, keep_cache_root):
    import json
    import os
    import sys
    import sysconfig
    import traceback

    try:
        import xonsh
        import xonsh.codecache
        import xonsh.environ
        import xonsh.tools
        from xonsh.built_ins import XSH
        from xonsh.events import events
    except Exception as error:
        with open(trace_file, 'a', encoding='utf-8') as out:
            out.write(${pythonString(RECORD_START)} + json.dumps({'event': 'hook-error', 'message': repr(error)}) + '\\n')
        return

    out = open(trace_file, 'a', encoding='utf-8')

    def write(record):
        out.write(${pythonString(RECORD_START)} + json.dumps(record) + '\\n')
        out.flush()

    paths = sysconfig.get_paths()
    library_dirs = tuple(
        directory.rstrip(os.sep) + os.sep
        for directory in {
            os.path.dirname(xonsh.__file__),
            paths['stdlib'],
            paths['purelib'],
            paths['platlib'],
            '/usr/lib/python3/dist-packages',
        }
    )

    main_script = os.path.abspath(sys.argv[0]) if sys.argv and sys.argv[0] else ''

    def user_stack():
        frames = []
        for frame in reversed(traceback.extract_stack()):
            name = frame.filename
            if not name.startswith('/') or name in (hook_file, main_script) or name.startswith(library_dirs):
                continue
            frames.append([name, frame.lineno, frame.name, frame.line or ''])
        return frames

    def exported(name, value):
        detyper = XSH.env.get_detyper(name)
        if detyper is None or value is None:
            return None
        try:
            return detyper(value)
        except Exception:
            return None

    def record_set(name, value):
        stack = user_stack()
        if stack:
            write({'event': 'set', 'name': name, 'value': exported(name, value), 'stack': stack})

    try:
        # Without --rc, xonsh reads $XONSHRC and $XONSHRC_DIR to find the rc files, which stores
        # their defaults (and $XONSH_CONFIG_DIR) in the environment. Reading them here keeps the
        # environment the same as in a run without the hook.
        XSH.env.get('XONSHRC')
        XSH.env.get('XONSHRC_DIR')

        def on_new(name, value, **rest):
            record_set(name, value)

        def on_change(name, oldvalue, newvalue, **rest):
            record_set(name, newvalue)

        events.on_envvar_new(on_new)
        events.on_envvar_change(on_change)

        env_path = xonsh.tools.EnvPath

        def watch(method_name):
            original = getattr(env_path, method_name)

            def wrapper(self, *args, **kwargs):
                before = list(self._l)
                result = original(self, *args, **kwargs)
                if before != list(self._l) and XSH.env is not None and XSH.env._d.get('PATH') is self:
                    record_set('PATH', self)
                return result

            setattr(env_path, method_name, wrapper)

        for method_name in ('__setitem__', '__delitem__', 'insert', 'add'):
            watch(method_name)

        env_class = type(XSH.env)
        original_delete = env_class._del_item

        def delete_item(self, key, thread_local=False):
            present = key in self._d
            original_delete(self, key, thread_local=thread_local)
            if present and self is XSH.env:
                stack = user_stack()
                if stack:
                    write({'event': 'unset', 'name': key, 'stack': stack})

        env_class._del_item = delete_item

        original_run = xonsh.environ.xonsh_script_run_control

        def run_control(filename, ctx, env, execer=None, login=True):
            file = os.path.abspath(filename)
            path_before = exported('PATH', env.get('PATH'))
            write({'event': 'rc-start', 'file': file})
            loaded = original_run(filename, ctx, env, execer=execer, login=login)
            path_after = exported('PATH', env.get('PATH'))
            write({'event': 'rc-end', 'file': file, 'loaded': bool(loaded), 'pathBefore': path_before, 'pathAfter': path_after})
            return loaded

        xonsh.environ.xonsh_script_run_control = run_control

        cache_file = xonsh.codecache.get_cache_filename(hook_file, code=False)
        cache_root = os.path.join(XSH.env['XONSH_DATA_DIR'], 'xonsh_script_cache')
        if os.path.isfile(cache_file):
            os.remove(cache_file)
        directory = os.path.dirname(cache_file)
        while directory.startswith(cache_root + os.sep) or (directory == cache_root and not keep_cache_root):
            try:
                os.rmdir(directory)
            except OSError:
                break
            directory = os.path.dirname(directory)
    except Exception as error:
        write({'event': 'hook-error', 'message': repr(error)})


_go_env_lens_trace(${pythonString(hookFile)}, ${pythonString(traceFile)}, ${cacheRootExisted ? 'True' : 'False'})
del _go_env_lens_trace
`;
}

/** Quotes a string for Python source (JSON string syntax is valid Python). */
function pythonString(text: string): string {
  return JSON.stringify(text);
}

/** Reads the hook's records, skipping any record that is not complete. */
export function parseXonshTrace(trace: string): XonshTraceRecord[] {
  const records: XonshTraceRecord[] = [];
  for (const chunk of trace.split(RECORD_START).slice(1)) {
    try {
      records.push(JSON.parse(chunk.trim()) as XonshTraceRecord);
    } catch {
      // A record cut short by the end of the probe.
    }
  }
  return records;
}
