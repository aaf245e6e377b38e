using System;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using VmBoot.VSphere;
using Xunit;

namespace VmBoot.Engine.Tests
{
    /// <summary>
    /// The certificate pin file while many hosts are first contacted at once: every pin kept, every verdict right, no
    /// failure (CI once saw "being used by another process" while three hosts were pinned at once; pins are now read
    /// and appended without an exclusive file lock).
    /// </summary>
    public class KnownCertificatesTests
    {
        [Fact]
        public void HostsPinnedInParallelAreAllKeptAndNoReaderFails()
        {
            string folder = Directory.CreateTempSubdirectory("vmboot-pins").FullName;
            try
            {
                string path = Path.Combine(folder, "sub", "known_certificates");
                Parallel.For(0, 400, new ParallelOptions { MaxDegreeOfParallelism = 16 }, i =>
                {
                    var pins = new KnownCertificates(path);
                    string thumbprint = i.ToString("x64");
                    Assert.Equal(CertificateVerdict.Unknown, pins.Check("esx", 1000 + i, thumbprint));
                    pins.Add("esx", 1000 + i, thumbprint);
                    Assert.Equal(CertificateVerdict.Known, pins.Check("esx", 1000 + i, thumbprint));
                    Assert.Equal(CertificateVerdict.Changed, pins.Check("esx", 1000 + i, new string('f', 64)));
                    // Readers keep reading while the others write.
                    for (int look = 0; look < 5; look++)
                    {
                        Assert.Equal(CertificateVerdict.Known, pins.Check("esx", 1000 + i, thumbprint));
                    }
                });
                var lines = File.ReadAllLines(path);
                Assert.Equal(400, lines.Length);
                Assert.Equal(Enumerable.Range(0, 400).Select(i => $"esx:{1000 + i} SHA256:{i.ToString("x64")}").OrderBy(l => l, StringComparer.Ordinal), lines.OrderBy(l => l, StringComparer.Ordinal));
            }
            finally
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }
}
