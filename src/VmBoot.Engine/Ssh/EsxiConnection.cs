using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Security;
using System.Threading;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace VmBoot.Ssh
{
    /// <summary>
    /// One SSH connection to an ESXi host, reused for every command of a cmdlet call or session.
    /// Logs in once: a refused password or key is never tried again (ESXi locks the account after 5).
    /// </summary>
    public sealed class EsxiConnection : IDisposable
    {
        private static readonly object KnownHostsWriteLock = new object();
        private static readonly Dictionary<string, string[]> AlgorithmsByKeyType = new Dictionary<string, string[]>(StringComparer.Ordinal)
        {
            ["ssh-rsa"] = new[] { "rsa-sha2-512", "rsa-sha2-256", "ssh-rsa" },
        };

        private readonly SshClient client;
        private readonly TimeSpan commandTimeout;

        private EsxiConnection(SshClient client, string server, int port, string userName, TimeSpan commandTimeout)
        {
            this.client = client;
            Server = server;
            Port = port;
            UserName = userName;
            this.commandTimeout = commandTimeout;
        }

        /// <summary>The host name or address.</summary>
        public string Server { get; }

        /// <summary>How to name this host to -Server again: the host, with :port when it is not 22.</summary>
        public string Name => DisplayName(Server, Port);

        /// <summary>The SSH port.</summary>
        public int Port { get; }

        /// <summary>Who logged in.</summary>
        public string UserName { get; }

        /// <summary>True while the connection is up.</summary>
        public bool IsConnected => client.IsConnected;

        /// <summary>host, host:port, or [v6]:port.</summary>
        public static string DisplayName(string host, int port)
            => port == 22 ? host : host.IndexOf(':') >= 0 ? $"[{host}]:{port}" : $"{host}:{port}";

        /// <summary>Connects, checks the host key against known_hosts and logs in.</summary>
        /// <exception cref="EsxiSshException">Anything that stops it, naming the host.</exception>
        public static EsxiConnection Open(EsxiConnectionOptions options, CancellationToken cancellationToken)
        {
            if (string.IsNullOrWhiteSpace(options.Server))
            {
                throw new ArgumentException("A server name is required.", nameof(options));
            }

            if (options.Password == null && options.KeyFilePath == null)
            {
                throw new EsxiSshException(DisplayName(options.Server, options.Port), SshFailure.AuthenticationFailed, $"No credential or key file was given for {options.Server}.");
            }

            var methods = new List<AuthenticationMethod>();
            if (options.KeyFilePath != null)
            {
                methods.Add(new PrivateKeyAuthenticationMethod(options.UserName, LoadKey(options)));
            }

            bool passwordSent = false;
            if (options.Password != null)
            {
                var keyboard = new KeyboardInteractiveAuthenticationMethod(options.UserName);
                keyboard.AuthenticationPrompt += (_, e) =>
                {
                    foreach (var prompt in e.Prompts)
                    {
                        // ESXi asks "Password:" once; an echoed prompt is not a password prompt.
                        prompt.Response = prompt.IsEchoed ? "" : Reveal(options.Password);
                        passwordSent |= !prompt.IsEchoed;
                    }
                };
                methods.Add(keyboard);
            }

            try
            {
                return Connect(options, methods, cancellationToken);
            }
            catch (EsxiSshException e) when (e.Failure == SshFailure.AuthenticationFailed && options.Password != null && !passwordSent && OffersPassword(e))
            {
                // The server offers plain "password" but not keyboard-interactive. Nothing was sent yet,
                // so this is the first password attempt, not a retry.
                return Connect(options, new List<AuthenticationMethod> { new PasswordAuthenticationMethod(options.UserName, Reveal(options.Password)) }, cancellationToken);
            }
        }

        /// <summary>Runs one command under the host's shell; the caller quotes every argument (see <see cref="ShellQuote"/>).</summary>
        public EsxiCommandResult Run(string command, CancellationToken cancellationToken) => Run(command, null, cancellationToken);

        /// <summary>Runs one command, feeding <paramref name="input"/> to its standard input (e.g. <c>cat &gt; file</c>).</summary>
        public EsxiCommandResult Run(string command, byte[]? input, CancellationToken cancellationToken)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(commandTimeout);
            try
            {
                using var sshCommand = client.CreateCommand(command);
                var running = sshCommand.ExecuteAsync(timeout.Token);
                if (input != null)
                {
                    using (var stdin = sshCommand.CreateInputStream())
                    {
                        stdin.Write(input, 0, input.Length);
                    }
                }

                running.GetAwaiter().GetResult();
                if (sshCommand.ExitStatus == null && !client.IsConnected)
                {
                    throw Lost(null);
                }

                return new EsxiCommandResult(sshCommand.ExitStatus ?? -1, sshCommand.Result, sshCommand.Error);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new EsxiSshException(Name, SshFailure.CommandTimeout,
                    $"A command on {Name} did not finish within {commandTimeout.TotalSeconds:0} s and was abandoned: {FirstWord(command)}.");
            }
            catch (Exception e) when (e is SshConnectionException || e is ObjectDisposedException || e is SocketException || (e is SshException && !client.IsConnected))
            {
                throw Lost(e);
            }
        }

        /// <inheritdoc />
        public void Dispose()
        {
            try
            {
                client.Disconnect();
            }
            catch (Exception e) when (e is SshException || e is SocketException || e is ObjectDisposedException)
            {
                // Already gone: nothing to tell.
            }

            client.Dispose();
        }

        private static EsxiConnection Connect(EsxiConnectionOptions options, List<AuthenticationMethod> methods, CancellationToken cancellationToken)
        {
            string server = DisplayName(options.Server, options.Port);
            var knownHosts = KnownHosts.Load(options.KnownHostsPath);
            var info = new ConnectionInfo(options.Server, options.Port, options.UserName, methods.ToArray()) { Timeout = options.ConnectTimeout };
            PreferRecordedKeyTypes(info, knownHosts.KeyTypesFor(options.Server, options.Port));

            var client = new SshClient(info);
            EsxiSshException? hostKeyFailure = null;
            byte[]? newKey = null;
            client.HostKeyReceived += (_, e) =>
            {
                var verdict = knownHosts.Check(options.Server, options.Port, e.HostKey);
                e.CanTrust = verdict == HostKeyVerdict.Trusted || (verdict == HostKeyVerdict.Unknown && options.AcceptNewHostKey);
                if (verdict == HostKeyVerdict.Unknown && options.AcceptNewHostKey)
                {
                    newKey = e.HostKey;
                }
                else if (!e.CanTrust)
                {
                    hostKeyFailure = HostKeyError(options, verdict, e.HostKey);
                }
            };

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.ConnectTimeout);
            try
            {
                client.ConnectAsync(timeout.Token).GetAwaiter().GetResult();
            }
            catch (Exception e)
            {
                client.Dispose();
                if (hostKeyFailure != null)
                {
                    throw hostKeyFailure;
                }

                if (e is OperationCanceledException && cancellationToken.IsCancellationRequested)
                {
                    throw;
                }

                throw Translate(server, options, e);
            }

            if (newKey != null)
            {
                lock (KnownHostsWriteLock)
                {
                    KnownHosts.Append(options.KnownHostsPath, options.Server, options.Port, newKey);
                }
            }

            return new EsxiConnection(client, options.Server, options.Port, options.UserName, options.CommandTimeout);
        }

        // With a key on record, accept only that type, so a different type cannot pass as "new".
        private static void PreferRecordedKeyTypes(ConnectionInfo info, IReadOnlyCollection<string> recordedTypes)
        {
            var allowed = new HashSet<string>(recordedTypes.SelectMany(t => AlgorithmsByKeyType.TryGetValue(t, out var names) ? names : new[] { t }), StringComparer.Ordinal);
            if (allowed.Count == 0 || !info.HostKeyAlgorithms.Keys.Any(allowed.Contains))
            {
                return;
            }

            foreach (string algorithm in info.HostKeyAlgorithms.Keys.Where(k => !allowed.Contains(k)).ToList())
            {
                info.HostKeyAlgorithms.Remove(algorithm);
            }
        }

        private static EsxiSshException HostKeyError(EsxiConnectionOptions options, HostKeyVerdict verdict, byte[] key)
        {
            string name = KnownHosts.HostName(options.Server, options.Port);
            string server = DisplayName(options.Server, options.Port);
            string presented = $"{KnownHosts.KeyType(key)} {KnownHosts.Fingerprint(key)}";
            return verdict == HostKeyVerdict.Unknown
                ? new EsxiSshException(server, SshFailure.HostKeyUnknown,
                    $"The host key of {server} is not in {options.KnownHostsPath}: it presented {presented}. " +
                    "Compare it with the host's own (ESXi console or 'for k in /etc/ssh/ssh_host_*_key.pub; do ssh-keygen -lf $k; done'), " +
                    "then connect once with -AcceptNewHostKey to record it.")
                : new EsxiSshException(server, SshFailure.HostKeyChanged,
                    $"The host key of {server} does not match {options.KnownHostsPath} ({(verdict == HostKeyVerdict.Revoked ? "it is marked @revoked" : "a different key is recorded")}); " +
                    $"it presented {presented}. This can be a man-in-the-middle attack, or the host was reinstalled. " +
                    $"If the new key is genuine, remove the old one (ssh-keygen -R '{name}' -f '{options.KnownHostsPath}') and connect again.");
        }

        private static EsxiSshException Translate(string server, EsxiConnectionOptions options, Exception e)
        {
            switch (e)
            {
                case SshAuthenticationException auth:
                    return new EsxiSshException(server, SshFailure.AuthenticationFailed,
                        $"{server} refused the login of '{options.UserName}' ({auth.Message.TrimEnd('.')}). It was not retried: ESXi locks the account after 5 failed logins for 15 minutes.", e);
                case SocketException socket when socket.SocketErrorCode == SocketError.ConnectionRefused:
                    return new EsxiSshException(server, SshFailure.ConnectionRefused,
                        $"{server} refused the connection on port {options.Port}: is SSH enabled on the host (Host > Manage > Services > TSM-SSH)?", e);
                case SocketException socket when socket.SocketErrorCode == SocketError.HostNotFound || socket.SocketErrorCode == SocketError.NoData || socket.SocketErrorCode == SocketError.TryAgain:
                    return new EsxiSshException(server, SshFailure.HostNotFound, $"The name {server} does not resolve.", e);
                case SocketException socket when socket.SocketErrorCode == SocketError.TimedOut:
                case SshOperationTimeoutException _:
                case OperationCanceledException _:
                    return new EsxiSshException(server, SshFailure.ConnectTimeout,
                        $"{server} did not complete the SSH login on port {options.Port} within {options.ConnectTimeout.TotalSeconds:0} s.", e);
                case SshConnectionException _:
                    return new EsxiSshException(server, SshFailure.ConnectionLost, $"The connection to {server} dropped during login: {e.Message}", e);
                default:
                    return new EsxiSshException(server, SshFailure.ProtocolError, $"SSH to {server} failed: {e.Message}", e);
            }
        }

        private static bool OffersPassword(EsxiSshException e)
            => e.InnerException is SshAuthenticationException auth && auth.Message.IndexOf("password", StringComparison.OrdinalIgnoreCase) >= 0
               && auth.Message.IndexOf("keyboard-interactive", StringComparison.OrdinalIgnoreCase) < 0;

        private static PrivateKeyFile LoadKey(EsxiConnectionOptions options)
        {
            try
            {
                return options.KeyPassphrase == null
                    ? new PrivateKeyFile(options.KeyFilePath!)
                    : new PrivateKeyFile(options.KeyFilePath!, Reveal(options.KeyPassphrase));
            }
            catch (Exception e) when (e is SshException || e is IOException || e is UnauthorizedAccessException || e is ArgumentException || e is InvalidOperationException)
            {
                string why = e is SshPassPhraseNullOrEmptyException ? "it is encrypted and no passphrase was given"
                    : IsPublicKey(options.KeyFilePath!) ? "it is a public key; give the private key (the same name without .pub), and put the .pub line in the host's /etc/ssh/keys-<user>/authorized_keys"
                    : e.Message;
                throw new EsxiSshException(DisplayName(options.Server, options.Port), SshFailure.KeyFileInvalid, $"The key file '{options.KeyFilePath}' for {options.Server} cannot be used: {why}", e);
            }
        }

        // A .pub file, or a file whose first word is a public key type (ssh-rsa, ecdsa-sha2-nistp256...).
        private static bool IsPublicKey(string path)
        {
            try
            {
                string first = File.ReadLines(path).FirstOrDefault() ?? "";
                return path.EndsWith(".pub", StringComparison.OrdinalIgnoreCase) || first.StartsWith("ssh-", StringComparison.Ordinal) || first.StartsWith("ecdsa-sha2-", StringComparison.Ordinal);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                return false;
            }
        }

        private static string Reveal(SecureString secret) => new NetworkCredential("", secret).Password;

        private static string FirstWord(string command)
        {
            int space = command.IndexOf(' ');
            return space < 0 ? command : command.Substring(0, space);
        }

        private EsxiSshException Lost(Exception? inner)
            => new EsxiSshException(Name, SshFailure.ConnectionLost, $"The connection to {Name} was lost while a command was running; its outcome on the host is unknown.", inner);
    }
}
