#!/usr/bin/perl
# Starts one shell for a Go Env Lens probe and, when the probe ends, kills everything it started.
#
# Usage: probe-supervisor.pl OPTIONS PROBE_DIRECTORY PROGRAM ARGV0 [ARGS...]
#   OPTIONS          comma-separated. "null" gives the shell /dev/null as stdin (a startup file
#                    that reads the terminal then gets end-of-file instead of hanging); "tty" keeps
#                    the terminal, for probes that type their command at a real prompt.
#                    "trace-fd3" opens PROBE_DIRECTORY/trace/output on descriptor 3 and
#                    "trace-stderr" sends the shell's stderr there, for shells that write a
#                    trace. The trace has its own directory because the engine watches
#                    PROBE_DIRECTORY for the capture, and every trace line would wake it.
#                    "confine" lets the shell and everything it starts write only beneath the
#                    directories listed in PROBE_DIRECTORY/confine (NUL-separated), with Linux
#                    Landlock. The editor's preview runs unsaved drafts this way, so a half-typed
#                    `rm -rf ~/...` or `echo >> ~/.bashrc` cannot change the user's files. When
#                    Landlock is missing the shell is not started at all (exit status 125).
#   PROBE_DIRECTORY  the probe's private directory. The shell's wait status is written to
#                    PROBE_DIRECTORY/exit when it exits on its own.
#
# A trace file that grows past TRACE_LIMIT_BYTES (a startup file looping forever writes
# gigabytes) has its last TRACE_TAIL_BYTES copied to PROBE_DIRECTORY/trace/tail and is emptied,
# and PROBE_DIRECTORY/trace/overflow is created. The file is opened for appending, so the shell
# goes on writing at its new end.
#
# It runs as the session leader of the probe's pseudo-terminal. It marks itself a child
# subreaper (Linux), so daemons that a startup file detaches with nohup, setsid or a double fork
# (tmux servers, agents) are re-parented to it instead of to init.
#
# SIGTERM (the engine has read what it needs) and SIGHUP (the engine's end of the terminal
# closed, for example because the engine was killed) both stop the probe: kill every process
# it started, remove the probe directory, and exit. Removing the directory here means it does
# not depend on the engine still being alive.
#
# It uses only modules of Debian's perl-base, which every Debian system has.
use strict;
use warnings;

# Install the stop handlers before the modules load, because until then a SIGHUP kills the
# supervisor with the default action. It would not have started the shell yet, but the probe
# directory would stay behind.
my $stop;
BEGIN {
  $stop = 0;
  $SIG{TERM} = sub { $stop = 1 };
  $SIG{HUP} = sub { $stop = 1 };
  $SIG{INT} = 'IGNORE';
}

use Config;
use File::Path ();
use POSIX ();

# Time the final kill loop may take, in seconds. SIGKILL ends any process within milliseconds
# unless it is stuck in uninterruptible sleep (a hung NFS mount, for example), which no signal
# can end. The loop gives up on such processes after this time. The engine waits longer than
# this before it kills the supervisor itself.
use constant STOP_TIME_LIMIT_SECONDS => 2;

# prctl(2) options, from <linux/prctl.h>.
use constant PR_SET_CHILD_SUBREAPER => 36;
use constant PR_SET_NO_NEW_PRIVS => 38;

# Landlock system calls (the same numbers on every architecture) and rights, from
# <linux/landlock.h>. The rights are the ones that change the file system; reading stays allowed.
use constant SYS_LANDLOCK_CREATE_RULESET => 444;
use constant SYS_LANDLOCK_ADD_RULE => 445;
use constant SYS_LANDLOCK_RESTRICT_SELF => 446;
use constant LANDLOCK_CREATE_RULESET_VERSION => 1;
use constant LANDLOCK_RULE_PATH_BENEATH => 1;
# WRITE_FILE, REMOVE_DIR, REMOVE_FILE and MAKE_CHAR through MAKE_SYM (Landlock ABI 1).
use constant LANDLOCK_WRITE_RIGHTS_V1 => 2 | 16 | 32 | 64 | 128 | 256 | 512 | 1024 | 2048 | 4096;
use constant LANDLOCK_ACCESS_FS_REFER => 8192;
use constant LANDLOCK_ACCESS_FS_TRUNCATE => 16384;

use constant TRACE_LIMIT_BYTES => 64 * 1024 * 1024;
use constant TRACE_TAIL_BYTES => 64 * 1024;

my ($options, $probe_directory, $program, $argv0, @args) = @ARGV;
die "usage: probe-supervisor.pl OPTIONS PROBE_DIRECTORY PROGRAM ARGV0 [ARGS...]\n"
  unless defined $argv0;
my %option = map { $_ => 1 } split(/,/, $options);
my $exit_file = "$probe_directory/exit";
my $trace_directory = "$probe_directory/trace";
my $trace_file = "$trace_directory/output";
my $tracing = $option{'trace-fd3'} || $option{'trace-stderr'};

# Returns the number of the prctl system call for the ABI this perl was built for (from the
# kernel's syscall tables), or undef where it is unknown.
sub prctl_syscall_number {
  return undef unless $^O eq 'linux';
  my $architecture = $Config{archname};
  return undef if $architecture =~ /x32/;
  return 157 if $architecture =~ /^x86_64-/;
  return 167 if $architecture =~ /^(aarch64|riscv64|loongarch64)-/;
  return 171 if $architecture =~ /^(powerpc|ppc)/;
  return 172 if $architecture =~ /^(i[3-6]86|arm|s390)/;
  return undef;
}

# NOTE: without a subreaper (other kernels, or an architecture missing above), an orphan is
# re-parented to init. The kill loop still finds it through the session id when it was
# detached with nohup or a double fork, but a process that called setsid escapes and survives.
my $prctl = prctl_syscall_number();
syscall($prctl, PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) if defined $prctl;

# Restricts this process and its descendants to writing beneath the given directories. Returns
# false when Landlock is missing or a step fails; the caller must then not run the shell.
sub confine_writes {
  my @directories = @_;
  return 0 unless defined $prctl;
  my $abi = syscall(SYS_LANDLOCK_CREATE_RULESET, 0, 0, LANDLOCK_CREATE_RULESET_VERSION);
  return 0 if $abi < 1;
  my $rights = LANDLOCK_WRITE_RIGHTS_V1;
  $rights |= LANDLOCK_ACCESS_FS_REFER if $abi >= 2;
  $rights |= LANDLOCK_ACCESS_FS_TRUNCATE if $abi >= 3;
  my $ruleset_attribute = pack('Q', $rights);
  my $ruleset = syscall(SYS_LANDLOCK_CREATE_RULESET, $ruleset_attribute, length($ruleset_attribute), 0);
  return 0 if $ruleset < 0;
  for my $directory (@directories) {
    my $fd = POSIX::open($directory, POSIX::O_RDONLY());
    return 0 unless defined $fd;
    # struct landlock_path_beneath_attr is packed: a 64-bit right mask, then a 32-bit descriptor.
    my $beneath = pack('Ql', $rights, $fd);
    my $added = syscall(SYS_LANDLOCK_ADD_RULE, $ruleset, LANDLOCK_RULE_PATH_BENEATH, $beneath, 0);
    POSIX::close($fd);
    return 0 if $added != 0;
  }
  return 0 if syscall($prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0;
  return 0 if syscall(SYS_LANDLOCK_RESTRICT_SELF, $ruleset, 0) != 0;
  POSIX::close($ruleset);
  return 1;
}

# A stop that arrived while the modules loaded means that nothing waits for this probe any more.
my $shell_pid = $stop ? -1 : fork();
die "probe-supervisor: fork failed: $!\n" unless defined $shell_pid;
if ($shell_pid == 0) {
  $SIG{TERM} = 'DEFAULT';
  $SIG{HUP} = 'DEFAULT';
  $SIG{INT} = 'DEFAULT';
  if ($option{null}) {
    open(STDIN, '<', '/dev/null') or POSIX::_exit(126);
  }
  if ($tracing) {
    mkdir($trace_directory, 0700);
    my $fd = POSIX::open($trace_file, POSIX::O_WRONLY() | POSIX::O_CREAT() | POSIX::O_APPEND(), 0600);
    POSIX::_exit(126) unless defined $fd;
    my $target = $option{'trace-fd3'} ? 3 : 2;
    if ($fd != $target) {
      POSIX::dup2($fd, $target) or POSIX::_exit(126);
      POSIX::close($fd);
    }
  }
  if ($option{confine}) {
    my $list = '';
    if (open(my $handle, '<', "$probe_directory/confine")) {
      local $/;
      $list = <$handle>;
      close($handle);
    }
    my @directories = grep { length } split(/\0/, $list // '');
    unless (@directories && confine_writes(@directories)) {
      print STDERR "Go Env Lens did not start $program: writes could not be confined (Linux Landlock)\n";
      POSIX::_exit(125);
    }
  }
  { exec { $program } $argv0, @args; }
  print STDERR "Go Env Lens could not start $program: $!\n";
  POSIX::_exit(127);
}

sub write_exit_status {
  my ($status) = @_;
  my $temporary = "$exit_file.tmp";
  if (open(my $out, '>', $temporary)) {
    print $out $status;
    close($out);
    rename($temporary, $exit_file);
  }
}

# Lists the processes to kill: the children of this process, which include every orphaned
# descendant while it is a subreaper, and every other live process of its session. The session
# still finds nohup and double-forked processes when no subreaper is available. Uses /proc on
# Linux and ps elsewhere, where only children are found.
sub probe_processes {
  my @found;
  if (opendir(my $proc, '/proc')) {
    for my $pid (readdir($proc)) {
      next unless $pid =~ /^\d+$/ && $pid != $$;
      open(my $stat, '<', "/proc/$pid/stat") or next;
      my $line = <$stat>;
      close($stat);
      # The command name in brackets may itself contain ") ", so match up to the last one.
      next unless defined $line && $line =~ /^.*\)\s+(\S+)\s+(\d+)\s+\d+\s+(\d+)/s;
      my ($state, $parent, $session) = ($1, $2, $3);
      # A zombie of this session that is not a child can only be reaped by its own parent.
      push @found, $pid if $parent == $$ || ($session == $$ && $state ne 'Z');
    }
    closedir($proc);
  } else {
    for my $line (`ps -A -o pid= -o ppid=`) {
      push @found, $1 if $line =~ /^\s*(\d+)\s+(\d+)/ && $2 == $$;
    }
  }
  return @found;
}

# Returns the time elapsed since an arbitrary fixed point, in seconds (POSIX times(2)).
sub elapsed_seconds {
  return (POSIX::times())[0] / POSIX::sysconf(POSIX::_SC_CLK_TCK());
}

sub pause_seconds {
  my ($seconds) = @_;
  select(undef, undef, undef, $seconds);
}

sub reap {
  while ((my $pid = waitpid(-1, POSIX::WNOHANG())) > 0) {
    write_exit_status($?) if $pid == $shell_pid;
  }
}

# Keeps the trace file below TRACE_LIMIT_BYTES, keeping its tail (see the top of this file).
sub limit_trace {
  my $size = -s $trace_file;
  return unless defined $size && $size > TRACE_LIMIT_BYTES;
  if (open(my $in, '<', $trace_file)) {
    seek($in, -TRACE_TAIL_BYTES, 2);
    local $/;
    my $tail = <$in>;
    close($in);
    if (open(my $out, '>', "$trace_directory/tail")) {
      print $out $tail;
      close($out);
    }
  }
  truncate($trace_file, 0);
  if (open(my $marker, '>', "$trace_directory/overflow")) { close($marker); }
}

# Wait until told to stop, recording the shell's status when it exits on its own. Polling with
# WNOHANG keeps the loop responsive: a blocking waitpid is restarted after a signal.
until ($stop) {
  reap();
  limit_trace() if $tracing;
  pause_seconds(0.01);
}

# Kill every process of the probe. Killing a process re-parents its children to this subreaper,
# so repeat until a pass finds none. The time limit covers processes that SIGKILL cannot end
# and a fork bomb that forks faster than the loop kills.
my $give_up_at = elapsed_seconds() + STOP_TIME_LIMIT_SECONDS;
while (1) {
  reap();
  my @remaining = probe_processes();
  last unless @remaining;
  last if elapsed_seconds() > $give_up_at;
  kill 'KILL', @remaining;
  pause_seconds(0.005);
}
reap();

File::Path::remove_tree($probe_directory);
POSIX::_exit(0);
