using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using System.Xml;
using System.Xml.Linq;

namespace VmBoot.VSphere
{
    /// <summary>
    /// A session with one host's vSphere Web Services API (SOAP over HTTPS to hostd), written on HttpClient and
    /// System.Xml for the few calls VmBoot makes. The certificate is checked before anything else is sent, the
    /// password only after; a refused login is never retried. Dispose logs out.
    /// </summary>
    public sealed class VimClient : IDisposable
    {
        internal static readonly XNamespace Vim = "urn:vim25";
        internal static readonly XNamespace Xsi = "http://www.w3.org/2001/XMLSchema-instance";
        private static readonly XNamespace Soap = "http://schemas.xmlsoap.org/soap/envelope/";

        // Objects per page of the property collector's answer.
        private const int PageSize = 500;

        private readonly VimConnectionOptions options;
        private readonly HttpClient http;
        private readonly Uri sdk;
        private CertificateVerdict? refusedCertificate;
        private string? refusedThumbprint;
        private string soapAction = "urn:vim25/6.7";
        private const string SessionCookie = "vmware_soap_session";
        private readonly CookieContainer cookies = new CookieContainer();
        private bool loggedIn;

        private VimClient(VimConnectionOptions options)
        {
            this.options = options;
            string host = options.Server.Contains(":") ? $"[{options.Server}]" : options.Server;
            sdk = new Uri($"https://{host}:{options.Port.ToString(CultureInfo.InvariantCulture)}/sdk");
            var handler = new HttpClientHandler
            {
                UseCookies = true,
                CookieContainer = cookies,
                AllowAutoRedirect = false,
                ServerCertificateCustomValidationCallback = CheckCertificate,
            };
            http = new HttpClient(handler) { Timeout = options.Timeout };
        }

        /// <summary>The host as the user named it (name, or name:port off 443).</summary>
        public string Name => options.Name;

        /// <summary>The API's port.</summary>
        public int Port => options.Port;

        /// <summary>What the host says it is (<c>VMware ESXi 8.0.3 build-...</c>).</summary>
        public string FullName { get; private set; } = "";

        /// <summary>Who the session is of: the user logged in, or the reused session's user.</summary>
        public string UserName { get; private set; } = "";

        /// <summary>The session is one given to reuse (PowerCLI's), not logged in here: it is left open at the end.</summary>
        public bool ReusedSession { get; private set; }

        /// <summary>The host's API version (<c>8.0.3.0</c>).</summary>
        public string ApiVersion { get; private set; } = "";

        /// <summary>The managed objects the session works through.</summary>
        internal ServiceObjects Objects { get; private set; } = new ServiceObjects();

        /// <summary>Connects, checks the certificate, reads the service content, then logs in.</summary>
        public static async Task<VimClient> OpenAsync(VimConnectionOptions options, CancellationToken cancellationToken)
        {
            var client = new VimClient(options);
            try
            {
                await client.ConnectAsync(cancellationToken).ConfigureAwait(false);
                return client;
            }
            catch
            {
                client.Dispose();
                throw;
            }
        }

        /// <summary>Calls <paramref name="method"/> on <paramref name="target"/> with the given parameter elements (in the WSDL's order); returns the Body's response element.</summary>
        internal async Task<XElement> CallAsync(string method, ManagedObject target, CancellationToken cancellationToken, params object[] parameters)
        {
            var body = new XElement(Vim + method, new XElement(Vim + "_this", new XAttribute("type", target.Type), target.Value), parameters);
            var envelope = new XDocument(new XElement(Soap + "Envelope",
                new XAttribute(XNamespace.Xmlns + "soapenv", Soap.NamespaceName),
                new XAttribute(XNamespace.Xmlns + "xsi", Xsi.NamespaceName),
                new XElement(Soap + "Body", body)));
            using (var request = new HttpRequestMessage(HttpMethod.Post, sdk))
            {
                request.Content = new StringContent(envelope.ToString(SaveOptions.DisableFormatting), new UTF8Encoding(false), "text/xml");
                request.Headers.TryAddWithoutValidation("SOAPAction", soapAction);
                return await SendAsync(request, method, (status, stream) => Answer(status, stream, options.MaxResponseBytes, Name, method), cancellationToken).ConfigureAwait(false);
            }
        }

        /// <summary>
        /// The answer to a SOAP call: the Body's response element, or the fault as a <see cref="VSphereApiException"/>;
        /// anything else (not XML, a DTD, too large, no body) is a ProtocolError naming the host and the call.
        /// </summary>
        internal static XElement Answer(HttpStatusCode status, Stream stream, long limit, string server, string method)
        {
            var document = ReadXml(stream, limit, server, method);
            var responseBody = document.Root?.Element(Soap + "Body")
                ?? throw Protocol(server, $"answered {method} with no SOAP body");
            var fault = responseBody.Element(Soap + "Fault");
            if (fault != null)
            {
                throw FaultOf(fault, server, method);
            }

            if (status != HttpStatusCode.OK)
            {
                throw Protocol(server, $"answered {method} with HTTP {(int)status} and no fault");
            }

            return responseBody.Elements().FirstOrDefault() ?? throw Protocol(server, $"answered {method} with an empty body");
        }

        /// <summary>Whether the host still answers in this session (a cheap property read); false when it does not.</summary>
        internal async Task<bool> StillAnswersAsync(CancellationToken cancellationToken)
        {
            try
            {
                await RetrieveOneAsync(Objects.SessionManager, new[] { "currentSession" }, cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (VSphereApiException)
            {
                return false;
            }
        }

        /// <summary>
        /// A text file on one of the host's datastores, as hostd serves it at <c>/folder/PATH?dcPath=ha-datacenter&amp;dsName=DS</c>;
        /// null when the host has no such file (404). Bounded like every answer.
        /// </summary>
        internal async Task<string?> ReadDatastoreFileAsync(string datastore, string path, CancellationToken cancellationToken)
        {
            string relative = "/folder/" + string.Join("/", path.Split('/').Where(p => p.Length > 0).Select(Uri.EscapeDataString))
                + "?dcPath=ha-datacenter&dsName=" + Uri.EscapeDataString(datastore);
            string what = $"[{datastore}] {path}";
            using (var request = new HttpRequestMessage(HttpMethod.Get, new Uri(sdk, relative)))
            {
                return await SendAsync(request, what, (status, stream) =>
                {
                    if (status == HttpStatusCode.NotFound)
                    {
                        return null;
                    }

                    if (status != HttpStatusCode.OK)
                    {
                        throw new VSphereApiException(Name, status == HttpStatusCode.Unauthorized || status == HttpStatusCode.Forbidden ? VSphereFailure.NoPermission : VSphereFailure.ProtocolError,
                            $"{Name}: reading {what} was answered with HTTP {(int)status}.");
                    }

                    try
                    {
                        using (var reader = new StreamReader(new LimitedStream(stream, options.MaxResponseBytes), new UTF8Encoding(false)))
                        {
                            return reader.ReadToEnd();
                        }
                    }
                    catch (IOException e)
                    {
                        throw Protocol(Name, $"broke off {what}: {e.Message}", e);
                    }
                }, cancellationToken).ConfigureAwait(false);
            }
        }

        /// <summary>
        /// The given properties of every object of <paramref name="type"/> under the root folder: a container view and
        /// the property collector, page by page; the view is destroyed afterwards.
        /// </summary>
        internal async Task<List<XElement>> RetrieveAllAsync(string type, IEnumerable<string> paths, CancellationToken cancellationToken)
        {
            var created = await CallAsync("CreateContainerView", Objects.ViewManager, cancellationToken,
                Objects.RootFolder.Named("container"), new XElement(Vim + "type", type), new XElement(Vim + "recursive", "true")).ConfigureAwait(false);
            var view = ManagedObject.From(created.Element(Vim + "returnval") ?? throw Protocol(Name, "made no container view"));
            try
            {
                var traversal = new XElement(Vim + "selectSet", new XAttribute(Xsi + "type", "TraversalSpec"),
                    new XElement(Vim + "name", "view"), new XElement(Vim + "type", "ContainerView"), new XElement(Vim + "path", "view"), new XElement(Vim + "skip", "false"));
                return await RetrieveAsync(type, paths, view, traversal, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                try
                {
                    using (var cleanup = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
                    {
                        await CallAsync("DestroyView", view, cleanup.Token).ConfigureAwait(false);
                    }
                }
                catch (Exception e) when (e is VSphereApiException || e is OperationCanceledException)
                {
                    // The view dies with the session.
                }
            }
        }

        /// <summary>The given properties of one object.</summary>
        internal async Task<(ManagedObject Object, Dictionary<string, XElement?> Values)> RetrieveOneAsync(ManagedObject target, IEnumerable<string> paths, CancellationToken cancellationToken)
        {
            var found = await RetrieveAsync(target.Type, paths, target, null, cancellationToken).ConfigureAwait(false);
            return found.Count > 0 ? PropertiesOf(found[0]) : (target, new Dictionary<string, XElement?>());
        }

        /// <summary>One found object's id and its properties by path (a path named twice: the first).</summary>
        /// <summary>A property's text from <see cref="PropertiesOf"/>'s values; empty when the host did not give it.</summary>
        internal static string Text(Dictionary<string, XElement?> values, string path) => values.TryGetValue(path, out var value) && value != null ? value.Value : "";

        internal static (ManagedObject Object, Dictionary<string, XElement?> Values) PropertiesOf(XElement found)
        {
            var obj = found.Element(Vim + "obj") is XElement o ? ManagedObject.From(o) : new ManagedObject("", "");
            var values = found.Elements(Vim + "propSet").GroupBy(p => (string?)p.Element(Vim + "name") ?? "", StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => (XElement?)g.First().Element(Vim + "val"), StringComparer.Ordinal);
            return (obj, values);
        }

        /// <summary>
        /// Waits for a task to end: null when it succeeded, else its error (the fault's type and message). Polls
        /// <c>info.state</c>, the way hostd's own clients without a property filter do.
        /// </summary>
        internal async Task<VSphereApiException?> WaitForTaskAsync(ManagedObject task, string method, TimeSpan timeout, CancellationToken cancellationToken)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (true)
            {
                var (_, values) = await RetrieveOneAsync(task, new[] { "info.state", "info.error" }, cancellationToken).ConfigureAwait(false);
                string state = Text(values, "info.state");
                if (state == "success")
                {
                    return null;
                }

                if (state == "error")
                {
                    var error = values.TryGetValue("info.error", out var e) ? e : null;
                    string type = TypeName(error?.Element(Vim + "fault")) ?? "";
                    string message = (string?)error?.Element(Vim + "localizedMessage") ?? "";
                    return new VSphereApiException(Name, type == "NoPermission" ? VSphereFailure.NoPermission : VSphereFailure.Fault,
                        $"{Name}: {method} failed: {(message.Length > 0 ? $"{type}: {message}" : type)}", type.Length > 0 ? type : null);
                }

                if (DateTime.UtcNow > deadline)
                {
                    return new VSphereApiException(Name, VSphereFailure.Timeout, $"{Name}: {method} did not end within {timeout.TotalSeconds:0} s.");
                }

                await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken).ConfigureAwait(false);
            }
        }

        private async Task<List<XElement>> RetrieveAsync(string type, IEnumerable<string> paths, ManagedObject start, XElement? traversal, CancellationToken cancellationToken)
        {
            var spec = new XElement(Vim + "specSet",
                new XElement(Vim + "propSet", new XElement(Vim + "type", type), paths.Select(p => new XElement(Vim + "pathSet", p))),
                new XElement(Vim + "objectSet", start.Named("obj"), new XElement(Vim + "skip", traversal == null ? "false" : "true"), traversal));
            var found = new List<XElement>();
            var page = await CallAsync("RetrievePropertiesEx", Objects.PropertyCollector, cancellationToken, spec,
                new XElement(Vim + "options", new XElement(Vim + "maxObjects", PageSize.ToString(CultureInfo.InvariantCulture)))).ConfigureAwait(false);
            while (page.Element(Vim + "returnval") is XElement returned)
            {
                found.AddRange(returned.Elements(Vim + "objects"));
                string? token = (string?)returned.Element(Vim + "token");
                if (string.IsNullOrEmpty(token))
                {
                    break;
                }

                page = await CallAsync("ContinueRetrievePropertiesEx", Objects.PropertyCollector, cancellationToken, new XElement(Vim + "token", token)).ConfigureAwait(false);
            }

            return found;
        }

        /// <inheritdoc />
        public void Dispose()
        {
            if (loggedIn)
            {
                loggedIn = false;
                try
                {
                    using (var logout = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
                    {
                        CallAsync("Logout", Objects.SessionManager, logout.Token).GetAwaiter().GetResult();
                    }
                }
                catch (Exception e) when (e is VSphereApiException || e is OperationCanceledException)
                {
                    // The session expires on the host by itself; nothing else to do.
                }
            }

            http.Dispose();
        }

        private async Task ConnectAsync(CancellationToken cancellationToken)
        {
            // First contact carries no credential: the certificate is judged on it.
            using (var request = new HttpRequestMessage(HttpMethod.Get, new Uri(sdk, "/sdk/vimServiceVersions.xml")))
            {
                soapAction = "urn:vim25/" + await SendAsync(request, "vimServiceVersions.xml", (status, stream) => ApiVersionOf(status, stream, options.MaxResponseBytes, Name), cancellationToken).ConfigureAwait(false);
            }

            var content = await CallAsync("RetrieveServiceContent", new ManagedObject("ServiceInstance", "ServiceInstance"), cancellationToken).ConfigureAwait(false);
            var returned = content.Element(Vim + "returnval") ?? throw Protocol(Name, "sent no service content");
            Objects = ServiceObjects.From(returned);
            FullName = (string?)returned.Element(Vim + "about")?.Element(Vim + "fullName") ?? "";
            ApiVersion = (string?)returned.Element(Vim + "about")?.Element(Vim + "apiVersion") ?? "";

            if (options.SessionSecret != null && await ReuseSessionAsync(cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            string password = options.Password == null ? "" : new NetworkCredential("", options.Password).Password;
            try
            {
                await CallAsync("Login", Objects.SessionManager, cancellationToken,
                    new XElement(Vim + "userName", options.UserName), new XElement(Vim + "password", password)).ConfigureAwait(false);
            }
            catch (VSphereApiException e) when (e.FaultType == "InvalidLogin" || e.FaultType == "NoPermission")
            {
                throw new VSphereApiException(Name, VSphereFailure.LoginFailed,
                    $"{Name}: the vSphere API refused the login of '{options.UserName}' ({e.FaultType}). VmBoot does not try again: logins count toward ESXi's account lockout. "
                    + "Check the password; if the host is in lockdown mode, only its Exception Users (and vpxuser) may log in: add this account to them.", e.FaultType, e);
            }

            UserName = options.UserName;
            loggedIn = true;
        }

        /// <summary>True when the given session is still valid here (it is used, and not logged out at the end); else the cookie is dropped.</summary>
        private async Task<bool> ReuseSessionAsync(CancellationToken cancellationToken)
        {
            // The certificate was judged by the first request: only now does the secret go out.
            string secret = options.SessionSecret!.Trim().Trim('"');
            cookies.Add(sdk, new Cookie(SessionCookie, $"\"{secret}\"", "/"));
            try
            {
                var (_, values) = await RetrieveOneAsync(Objects.SessionManager, new[] { "currentSession" }, cancellationToken).ConfigureAwait(false);
                if (values.TryGetValue("currentSession", out var session) && session != null)
                {
                    UserName = (string?)session.Element(Vim + "userName") ?? options.UserName;
                    ReusedSession = true;
                    return true;
                }
            }
            catch (VSphereApiException e) when (e.FaultType == "NotAuthenticated")
            {
                // Expired: as if there were none.
            }

            foreach (Cookie stale in cookies.GetCookies(sdk))
            {
                stale.Expired = true;
            }

            if (options.Password == null || options.Password.Length == 0)
            {
                throw new VSphereApiException(Name, VSphereFailure.SessionExpired,
                    $"{Name}: the session given to reuse (a PowerCLI connection's SessionSecret) is no longer valid on the host, and there is no password to log in with. "
                    + "Connect-VIServer again, or give -Credential.");
            }

            return false;
        }

        /// <summary>The urn:vim25 version in /sdk/vimServiceVersions.xml, which every vSphere API endpoint serves.</summary>
        internal static string ApiVersionOf(HttpStatusCode status, Stream stream, long limit, string server)
        {
            var versions = ReadXml(stream, limit, server, "vimServiceVersions.xml");
            string? version = versions.Descendants("namespace").Where(n => (string?)n.Element("name") == "urn:vim25").Select(n => (string?)n.Element("version")).FirstOrDefault();
            if (status != HttpStatusCode.OK || string.IsNullOrEmpty(version) || version!.Any(c => !(char.IsLetterOrDigit(c) || c == '.')))
            {
                throw Protocol(server, "does not answer as a vSphere API endpoint (no urn:vim25 version in /sdk/vimServiceVersions.xml)");
            }

            return version!;
        }

        private async Task<T> SendAsync<T>(HttpRequestMessage request, string what, Func<HttpStatusCode, Stream, T> read, CancellationToken cancellationToken)
        {
            HttpResponseMessage response;
            try
            {
                response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException e)
            {
                throw Unreachable(e);
            }
            catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                throw new VSphereApiException(Name, VSphereFailure.Timeout, $"{Name}: no answer to {what} within {options.Timeout.TotalSeconds:0} s.", inner: e);
            }

            using (response)
            {
                if (response.Content.Headers.ContentLength > options.MaxResponseBytes)
                {
                    throw Protocol(Name, $"sent {response.Content.Headers.ContentLength} bytes for {what}, more than the {options.MaxResponseBytes} allowed");
                }

                using (var stream = await response.Content.ReadAsStreamAsync().ConfigureAwait(false))
                {
                    return read(response.StatusCode, stream);
                }
            }
        }

        private static XDocument ReadXml(Stream stream, long limit, string server, string what)
        {
            try
            {
                using (var limited = new LimitedStream(stream, limit))
                using (var reader = XmlReader.Create(limited, SafeXml))
                {
                    return XDocument.Load(reader);
                }
            }
            catch (XmlException e)
            {
                throw Protocol(server, $"sent an answer to {what} that is not well-formed XML (line {e.LineNumber}, column {e.LinePosition}: {e.Message})", e);
            }
            catch (IOException e)
            {
                throw Protocol(server, $"broke off its answer to {what}: {e.Message}", e);
            }
            catch (ArgumentException e)
            {
                // System.Xml's own defect on a mangled encoding declaration (BlockCopy with a negative count, found by
                // FuzzTests), and undecodable bytes: not XML either way.
                throw Protocol(server, $"sent an answer to {what} that cannot be read as XML ({e.Message})", e);
            }
        }

        /// <summary>XML from the wire: no DTD, no external entity, bounded.</summary>
        internal static readonly XmlReaderSettings SafeXml = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            IgnoreComments = true,
            IgnoreProcessingInstructions = true,
        };

        private static VSphereApiException FaultOf(XElement fault, string server, string method)
        {
            string text = (string?)fault.Element("faultstring") ?? "";
            var detail = fault.Element("detail")?.Elements().FirstOrDefault();
            string type = TypeName(detail) ?? "";
            var failure = type == "NoPermission" ? VSphereFailure.NoPermission : VSphereFailure.Fault;
            string reason = text.Length > 0 && text != type ? $"{type}: {text}" : type.Length > 0 ? type : text;
            return new VSphereApiException(server, failure, $"{server}: {method} failed: {reason}", type.Length > 0 ? type : null);
        }

        /// <summary>A fault's type: its xsi:type, else its element's name without the Fault suffix.</summary>
        internal static string? TypeName(XElement? element)
        {
            if (element == null)
            {
                return null;
            }

            string? declared = (string?)element.Attribute(Xsi + "type");
            if (!string.IsNullOrEmpty(declared))
            {
                return declared!.Substring(declared.IndexOf(':') + 1);
            }

            string local = element.Name.LocalName;
            return local.EndsWith("Fault", StringComparison.Ordinal) ? local.Substring(0, local.Length - "Fault".Length) : local;
        }

        private VSphereApiException Unreachable(HttpRequestException e)
        {
            if (refusedCertificate is CertificateVerdict verdict)
            {
                return verdict == CertificateVerdict.Changed
                    ? new VSphereApiException(Name, VSphereFailure.CertificateChanged,
                        $"{Name}: the host's certificate (SHA256:{refusedThumbprint}) differs from the one pinned for it in '{options.KnownCertificatesPath}'. "
                        + "The host was reinstalled or its certificate renewed, or someone is in between: check the new thumbprint on the host, then replace its line in that file. Nothing was sent to the host.", inner: e)
                    : new VSphereApiException(Name, VSphereFailure.CertificateUnknown,
                        $"{Name}: the host's certificate (SHA256:{refusedThumbprint}) is self-signed or not trusted for this name, and not pinned in '{options.KnownCertificatesPath}'. "
                        + "Compare the thumbprint with the host's (Host Client, or openssl x509 -fingerprint -sha256 on /etc/vmware/ssl/rui.crt), then connect once with -AcceptNewCertificate. No password was sent.", inner: e);
            }

            var socket = FindInner<SocketException>(e);
            var failure = socket?.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => VSphereFailure.ConnectionRefused,
                SocketError.HostNotFound => VSphereFailure.HostNotFound,
                SocketError.NoData => VSphereFailure.HostNotFound,
                SocketError.TryAgain => VSphereFailure.HostNotFound,
                SocketError.TimedOut => VSphereFailure.Timeout,
                _ => VSphereFailure.ProtocolError,
            };
            string why = failure switch
            {
                VSphereFailure.ConnectionRefused => "connection refused (is hostd running, and the port right?)",
                VSphereFailure.HostNotFound => "the name does not resolve",
                VSphereFailure.Timeout => "the connection timed out",
                _ => (socket?.Message ?? e.InnerException?.Message ?? e.Message),
            };
            return new VSphereApiException(Name, failure, $"{Name}: cannot reach the vSphere API: {why}.", inner: e);
        }

        private static VSphereApiException Protocol(string server, string what, Exception? inner = null)
            => new VSphereApiException(server, VSphereFailure.ProtocolError, $"{server}: the host {what}.", inner: inner);

        // Runs on every new TLS connection, before any request on it is sent.
        private bool CheckCertificate(HttpRequestMessage request, X509Certificate2? certificate, X509Chain? chain, SslPolicyErrors errors)
        {
            if (errors == SslPolicyErrors.None)
            {
                return true;
            }

            if (certificate == null)
            {
                return false;
            }

            string thumbprint = KnownCertificates.Thumbprint(certificate.RawData);
            var pins = new KnownCertificates(options.KnownCertificatesPath);
            var verdict = pins.Check(options.Server, options.Port, thumbprint);
            if (verdict == CertificateVerdict.Known)
            {
                return true;
            }

            if (verdict == CertificateVerdict.Unknown && options.AcceptNewCertificate)
            {
                pins.Add(options.Server, options.Port, thumbprint);
                return true;
            }

            refusedCertificate = verdict;
            refusedThumbprint = thumbprint;
            return false;
        }

        private static T? FindInner<T>(Exception e)
            where T : Exception
        {
            for (Exception? inner = e; inner != null; inner = inner.InnerException)
            {
                if (inner is T found)
                {
                    return found;
                }
            }

            return null;
        }
    }

    /// <summary>A managed object reference: its type and id (<c>VirtualMachine</c>, <c>12</c> on a host, <c>vm-12</c> in govmomi's simulator).</summary>
    internal readonly struct ManagedObject
    {
        internal ManagedObject(string type, string value)
        {
            Type = type;
            Value = value;
        }

        internal string Type { get; }

        internal string Value { get; }

        internal static ManagedObject From(XElement element) => new ManagedObject((string?)element.Attribute("type") ?? "", element.Value);

        internal XElement Named(string name) => new XElement(VimClient.Vim + name, new XAttribute("type", Type), Value);
    }

    /// <summary>The service content's objects VmBoot uses.</summary>
    internal sealed class ServiceObjects
    {
        internal ManagedObject RootFolder { get; private set; }

        internal ManagedObject PropertyCollector { get; private set; }

        internal ManagedObject ViewManager { get; private set; }

        internal ManagedObject SessionManager { get; private set; }

        internal static ServiceObjects From(XElement content)
        {
            ManagedObject Get(string name) => content.Element(VimClient.Vim + name) is XElement e ? ManagedObject.From(e) : new ManagedObject("", "");
            return new ServiceObjects
            {
                RootFolder = Get("rootFolder"),
                PropertyCollector = Get("propertyCollector"),
                ViewManager = Get("viewManager"),
                SessionManager = Get("sessionManager"),
            };
        }
    }

    /// <summary>A read-only stream that fails past a byte limit, so an endless answer cannot fill memory.</summary>
    internal sealed class LimitedStream : Stream
    {
        private readonly Stream inner;
        private readonly long limit;
        private long read;

        internal LimitedStream(Stream inner, long limit)
        {
            this.inner = inner;
            this.limit = limit;
        }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => read; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = inner.Read(buffer, offset, count);
            read += n;
            if (read > limit)
            {
                throw new IOException($"the answer is larger than {limit} bytes");
            }

            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
