using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace VmBoot.VSphere
{
    /// <summary>What a pin file says of a host's certificate.</summary>
    public enum CertificateVerdict
    {
        /// <summary>Pinned, and the same.</summary>
        Known,

        /// <summary>No pin for this host.</summary>
        Unknown,

        /// <summary>Pinned, and different.</summary>
        Changed,
    }

    /// <summary>
    /// Certificates pinned by SHA-256, one line per host: <c>host:port SHA256:hex</c> (# starts a comment). ESXi's
    /// certificates are self-signed, so this file plays the part known_hosts plays for SSH.
    /// </summary>
    public sealed class KnownCertificates
    {
        // Hosts are connected in parallel: in this process, one look at the file at a time.
        private static readonly object FileGate = new object();
        private readonly string path;

        /// <summary>Reads (when it exists) the file at <paramref name="path"/>.</summary>
        public KnownCertificates(string path) => this.path = path;

        /// <summary>~/.vmboot/known_certificates.</summary>
        public static string DefaultPath => Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".vmboot", "known_certificates");

        /// <summary>The pin file's lines for <paramref name="host"/>:<paramref name="port"/>, compared with <paramref name="sha256"/>.</summary>
        public CertificateVerdict Check(string host, int port, string sha256)
        {
            List<string> pinned;
            lock (FileGate)
            {
                pinned = Pins(Key(host, port)).ToList();
            }

            return pinned.Count == 0 ? CertificateVerdict.Unknown
                : pinned.Contains(sha256, StringComparer.OrdinalIgnoreCase) ? CertificateVerdict.Known
                : CertificateVerdict.Changed;
        }

        /// <summary>Pins <paramref name="sha256"/> for a host seen for the first time (making the file and its folder if need be).</summary>
        public void Add(string host, int port, string sha256)
        {
            string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
            if (folder != null && !Directory.Exists(folder))
            {
                Directory.CreateDirectory(folder);
            }

            // One line in one append (O_APPEND: another process's line never lands inside it); no exclusive lock, which
            // would make a parallel reader fail instead of wait.
            byte[] line = System.Text.Encoding.UTF8.GetBytes($"{Key(host, port)} SHA256:{sha256.ToLowerInvariant()}\n");
            lock (FileGate)
            {
                using (var file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite))
                {
                    file.Write(line, 0, line.Length);
                }
            }
        }

        /// <summary>The SHA-256 of a certificate's DER bytes, as lowercase hex (what the host's console and the Host Client show, without colons).</summary>
        public static string Thumbprint(byte[] der)
        {
            using (var sha = System.Security.Cryptography.SHA256.Create())
            {
                return string.Concat(sha.ComputeHash(der).Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
            }
        }

        private static string Key(string host, int port) => $"{(host.Contains(":") ? "[" + host + "]" : host).ToLowerInvariant()}:{port}";

        private IEnumerable<string> Pins(string key)
        {
            if (!File.Exists(path))
            {
                yield break;
            }

            string[] lines;
            using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
            using (var reader = new StreamReader(file))
            {
                lines = reader.ReadToEnd().Split('\n');
            }

            foreach (string line in lines)
            {
                string text = line.Trim();
                if (text.Length == 0 || text.StartsWith("#", StringComparison.Ordinal))
                {
                    continue;
                }

                string[] parts = text.Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length >= 2 && string.Equals(parts[0], key, StringComparison.OrdinalIgnoreCase) && parts[1].StartsWith("SHA256:", StringComparison.OrdinalIgnoreCase))
                {
                    yield return parts[1].Substring("SHA256:".Length);
                }
            }
        }
    }
}
