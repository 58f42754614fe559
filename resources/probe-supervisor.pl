#!/usr/bin/perl
# Starts one shell for a Go Env Lens probe and guarantees that nothing it started survives.
#
# Usage: probe-supervisor.pl STDIN_MODE EXIT_FILE PROGRAM ARGV0 [ARGS...]
#   STDIN_MODE  "null" gives the shell /dev/null as stdin (a startup file that reads the terminal
#               then gets end-of-file instead of hanging); "tty" keeps the terminal, for probes
#               that type their command at a real prompt.
#   EXIT_FILE   where the shell's wait status is written when it exits on its own.
#
# It runs as the session leader of the probe's pseudo-terminal. It marks itself a child
# subreaper (Linux), so daemons that a startup file detaches with nohup, setsid or a double fork
# (tmux servers, agents) are re-parented to it instead of to init. On SIGTERM or SIGHUP it kills
# its children until none are left, then exits.
use strict;
use warnings;
use POSIX ();

my ($stdin_mode, $exit_file, $program, $argv0, @args) = @ARGV;
die "usage: probe-supervisor.pl STDIN_MODE EXIT_FILE PROGRAM ARGV0 [ARGS...]\n"
  unless defined $argv0;

# prctl(PR_SET_CHILD_SUBREAPER, 1). The syscall number depends on the architecture.
my %prctl_syscall = (x86_64 => 157, aarch64 => 167, i686 => 172, i386 => 172, arm => 172);
my $machine = (POSIX::uname())[4];
if ($^O eq 'linux' && exists $prctl_syscall{$machine}) {
  syscall($prctl_syscall{$machine}, 36, 1, 0, 0, 0);
}

my $stop = 0;
$SIG{TERM} = sub { $stop = 1 };
$SIG{HUP} = sub { $stop = 1 };
$SIG{INT} = 'IGNORE';

my $shell_pid = fork();
die "probe-supervisor: fork failed: $!\n" unless defined $shell_pid;
if ($shell_pid == 0) {
  $SIG{TERM} = 'DEFAULT';
  $SIG{HUP} = 'DEFAULT';
  $SIG{INT} = 'DEFAULT';
  if ($stdin_mode eq 'null') {
    open(STDIN, '<', '/dev/null') or POSIX::_exit(126);
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

# Lists the pids whose parent is this process, from /proc (Linux) or ps (elsewhere).
sub child_pids {
  my @children;
  if (opendir(my $proc, '/proc')) {
    for my $entry (readdir($proc)) {
      next unless $entry =~ /^\d+$/;
      open(my $stat, '<', "/proc/$entry/stat") or next;
      my $line = <$stat>;
      close($stat);
      next unless defined $line && $line =~ /\)\s+\S+\s+(\d+)/;
      push @children, $entry if $1 == $$;
    }
    closedir($proc);
  } else {
    for my $line (`ps -A -o pid= -o ppid=`) {
      push @children, $1 if $line =~ /^\s*(\d+)\s+(\d+)/ && $2 == $$;
    }
  }
  return @children;
}

sub reap {
  while ((my $pid = waitpid(-1, POSIX::WNOHANG())) > 0) {
    write_exit_status($?) if $pid == $shell_pid;
  }
}

# Wait until told to stop, recording the shell's status when it exits on its own. Polling with
# WNOHANG keeps the loop responsive: a blocking waitpid is restarted after a signal.
until ($stop) {
  reap();
  select(undef, undef, undef, 0.01);
}

# Kill every descendant. Killing a child re-parents its own children to this subreaper, so
# repeat until a pass finds no child. The pass limit only guards against a fork bomb.
for my $pass (1 .. 200) {
  reap();
  my @children = child_pids();
  last unless @children;
  kill 'KILL', @children;
  select(undef, undef, undef, 0.005);
}
reap();
POSIX::_exit(0);
