using System;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Threading;

namespace VmBoot.Engine.Tests
{
    /// <summary>
    /// Debian's headless Chromium driven through chromedriver's WebDriver API: opens a file and runs a script in it,
    /// so a test reads what the browser laid out (the same way Get-BootLog.Tests.ps1 checks the report).
    /// </summary>
    internal sealed class ChromiumPage : IDisposable
    {
        private readonly Process driver;
        private readonly HttpClient http = new HttpClient();
        private readonly string profile;
        private readonly string session;

        internal ChromiumPage()
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            int port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            http.BaseAddress = new Uri($"http://127.0.0.1:{port}");
            driver = Process.Start(new ProcessStartInfo("/usr/bin/chromedriver", $"--port={port}") { RedirectStandardOutput = true, UseShellExecute = false })!;
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (true)
            {
                try
                {
                    http.GetStringAsync("/status").GetAwaiter().GetResult();
                    break;
                }
                catch (HttpRequestException) when (DateTime.UtcNow < deadline)
                {
                    Thread.Sleep(200);
                }
            }

            profile = Directory.CreateTempSubdirectory("vmboot-chromium").FullName;
            var capabilities = new
            {
                capabilities = new
                {
                    alwaysMatch = new Dictionary
                    {
                        ["browserName"] = "chrome",
                        ["goog:chromeOptions"] = new
                        {
                            binary = "/usr/bin/chromium",
                            args = new[] { "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-sync", $"--user-data-dir={profile}", "--window-size=1400,1200" },
                        },
                    },
                },
            };
            session = Call(HttpMethod.Post, "/session", capabilities).GetProperty("sessionId").GetString()!;
        }

        /// <summary>Opens a local file.</summary>
        internal void Open(string path) => Call(HttpMethod.Post, $"/session/{session}/url", new { url = new Uri(path).AbsoluteUri });

        /// <summary>Runs <paramref name="script"/> in the page and returns what it returns.</summary>
        internal JsonElement Run(string script) => Call(HttpMethod.Post, $"/session/{session}/execute/sync", new { script, args = Array.Empty<object>() });

        public void Dispose()
        {
            try
            {
                Call(HttpMethod.Delete, $"/session/{session}", null);
            }
            finally
            {
                driver.Kill(entireProcessTree: true);
                driver.WaitForExit(5000);
                driver.Dispose();
                http.Dispose();
                Directory.Delete(profile, recursive: true);
            }
        }

        private JsonElement Call(HttpMethod method, string path, object? body)
        {
            using var request = new HttpRequestMessage(method, path);
            if (body != null)
            {
                request.Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
            }

            using var response = http.SendAsync(request).GetAwaiter().GetResult();
            string text = response.Content.ReadAsStringAsync().GetAwaiter().GetResult();
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"WebDriver {method} {path} failed: {text}");
            }

            return JsonDocument.Parse(text).RootElement.GetProperty("value").Clone();
        }

        private sealed class Dictionary : System.Collections.Generic.Dictionary<string, object>
        {
        }
    }
}
