using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace VmBoot.Ssh
{
    /// <summary>What known_hosts says about a key a host presented.</summary>
    public enum HostKeyVerdict
    {
        /// <summary>The key is recorded for the host.</summary>
        Trusted,

        /// <summary>No key of this type is recorded for the host.</summary>
        Unknown,

        /// <summary>A different key of the same type is recorded: possible man in the middle.</summary>
        Changed,

        /// <summary>The key is marked @revoked.</summary>
        Revoked,
    }

    /// <summary>An OpenSSH known_hosts file: plain and hashed names, [host]:port, wildcards, negation, @revoked.</summary>
    public sealed class KnownHosts
    {
        private readonly List<Entry> entries;

        private KnownHosts(List<Entry> entries) => this.entries = entries;

        /// <summary>Reads a file; a missing file is an empty one.</summary>
        public static KnownHosts Load(string path)
        {
            var entries = new List<Entry>();
            if (!File.Exists(path))
            {
                return new KnownHosts(entries);
            }

            foreach (string raw in File.ReadAllLines(path))
            {
                var fields = raw.Trim().Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length == 0 || fields[0].StartsWith("#", StringComparison.Ordinal))
                {
                    continue;
                }

                string marker = fields[0].StartsWith("@", StringComparison.Ordinal) ? fields[0] : "";
                int at = marker.Length > 0 ? 1 : 0;
                if (fields.Length < at + 3 || marker == "@cert-authority")
                {
                    continue;
                }

                try
                {
                    entries.Add(new Entry(marker == "@revoked", fields[at].Split(','), fields[at + 1], Convert.FromBase64String(fields[at + 2])));
                }
                catch (FormatException)
                {
                    // A damaged line trusts nothing; the rest of the file still counts.
                }
            }

            return new KnownHosts(entries);
        }

        /// <summary>The name OpenSSH records: host on port 22, [host]:port otherwise.</summary>
        public static string HostName(string host, int port) => port == 22 ? host : $"[{host}]:{port}";

        /// <summary>The key type inside an SSH public key blob (ssh-rsa, ecdsa-sha2-nistp256, ...).</summary>
        public static string KeyType(byte[] blob)
        {
            if (blob.Length < 4)
            {
                return "";
            }

            int length = (blob[0] << 24) | (blob[1] << 16) | (blob[2] << 8) | blob[3];
            return length > 0 && length <= blob.Length - 4 ? Encoding.ASCII.GetString(blob, 4, length) : "";
        }

        /// <summary>OpenSSH's fingerprint form: SHA256:base64, unpadded.</summary>
        public static string Fingerprint(byte[] blob)
        {
            using var sha = SHA256.Create();
            return "SHA256:" + Convert.ToBase64String(sha.ComputeHash(blob)).TrimEnd('=');
        }

        /// <summary>Appends a key for a host, creating the file (and ~/.ssh, mode 700 where it can) if needed.</summary>
        public static void Append(string path, string host, int port, byte[] blob)
        {
            string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
            if (!string.IsNullOrEmpty(folder) && !Directory.Exists(folder))
            {
                Directory.CreateDirectory(folder);
            }

            string line = $"{HostName(host, port)} {KeyType(blob)} {Convert.ToBase64String(blob)}\n";
            bool needsNewline = File.Exists(path) && new FileInfo(path).Length > 0 && !File.ReadAllText(path).EndsWith("\n", StringComparison.Ordinal);
            File.AppendAllText(path, (needsNewline ? "\n" : "") + line);
        }

        /// <summary>Key types recorded for a host, so the client can insist on one of them.</summary>
        public IReadOnlyCollection<string> KeyTypesFor(string host, int port)
        {
            string name = HostName(host, port);
            return entries.Where(e => !e.Revoked && e.Matches(name)).Select(e => e.KeyType).Distinct().ToList();
        }

        /// <summary>Judges the key a host presented.</summary>
        public HostKeyVerdict Check(string host, int port, byte[] blob)
        {
            string name = HostName(host, port);
            string type = KeyType(blob);
            var matching = entries.Where(e => e.Matches(name)).ToList();
            if (entries.Any(e => e.Revoked && e.Key.SequenceEqual(blob)))
            {
                return HostKeyVerdict.Revoked;
            }

            if (matching.Any(e => !e.Revoked && e.KeyType == type && e.Key.SequenceEqual(blob)))
            {
                return HostKeyVerdict.Trusted;
            }

            return matching.Any(e => !e.Revoked && e.KeyType == type) ? HostKeyVerdict.Changed : HostKeyVerdict.Unknown;
        }

        private sealed class Entry
        {
            private readonly string[] patterns;

            internal Entry(bool revoked, string[] patterns, string keyType, byte[] key)
            {
                Revoked = revoked;
                this.patterns = patterns;
                KeyType = keyType;
                Key = key;
            }

            internal bool Revoked { get; }

            internal string KeyType { get; }

            internal byte[] Key { get; }

            internal bool Matches(string name)
            {
                bool matched = false;
                foreach (string pattern in patterns)
                {
                    bool negated = pattern.StartsWith("!", StringComparison.Ordinal);
                    string body = negated ? pattern.Substring(1) : pattern;
                    if (PatternMatches(body, name))
                    {
                        if (negated)
                        {
                            return false;
                        }

                        matched = true;
                    }
                }

                return matched;
            }

            private static bool PatternMatches(string pattern, string name)
            {
                if (pattern.StartsWith("|1|", StringComparison.Ordinal))
                {
                    var parts = pattern.Split('|');
                    if (parts.Length != 4)
                    {
                        return false;
                    }

                    try
                    {
                        using var hmac = new HMACSHA1(Convert.FromBase64String(parts[2]));
                        return Convert.ToBase64String(hmac.ComputeHash(Encoding.UTF8.GetBytes(name))) == parts[3];
                    }
                    catch (FormatException)
                    {
                        return false;
                    }
                }

                if (pattern.IndexOfAny(new[] { '*', '?' }) < 0)
                {
                    return string.Equals(pattern, name, StringComparison.OrdinalIgnoreCase);
                }

                string regex = "^" + Regex.Escape(pattern).Replace("\\*", ".*").Replace("\\?", ".") + "$";
                return Regex.IsMatch(name, regex, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
            }
        }
    }
}
