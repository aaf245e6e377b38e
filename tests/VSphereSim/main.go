// vspheresim serves one simulated ESXi host's vSphere Web Services API (govmomi's simulator, ESX model) over
// HTTPS on loopback, with the VMs of an inventory file, for VmBoot's tests. It prints one JSON line (the SDK
// URL and the certificate's SHA-256 thumbprint) when it is ready and serves until its standard input closes.
// With -ssh-backend it also plays the host's SSH service (TSM-SSH): a port that forwards to that SSH server
// while the service runs and refuses connections while it is stopped, as on a host whose SSH is off.
//
// Built in GOPATH mode against Debian's golang-github-vmware-govmomi-dev (see build.sh).
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"flag"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/session"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/simulator/esx"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// vm is one VM of the inventory file.
type vm struct {
	Tools     bool   `json:"tools"`           // VMware Tools run in the guest: heartbeats, guest shutdown
	ShutdownS *int   `json:"shutdownSeconds"` // how long the guest takes to shut down (default 1; 0: at once)
	Name      string `json:"name"`
	GuestID   string `json:"guestId"`
	Datastore string `json:"datastore"` // empty: the host's local datastore
	Path      string `json:"path"`      // vmx path within the datastore; default <name>/<name>.vmx
	Notes     string `json:"notes"`
	ManagedBy string `json:"managedBy"` // an extension key, e.g. com.vmware.vim.eam for vCLS
	PoweredOn bool   `json:"poweredOn"`
	// hostd cannot read its configuration files (its datastore is not mounted): connectionState inaccessible,
	// and no configuration returned (the API reference's VirtualMachineConnectionState).
	Inaccessible bool `json:"inaccessible"`
}

func main() {
	inventory := flag.String("inventory", "", "JSON file: an array of VMs")
	user := flag.String("user", "root", "the only user that may log in")
	password := flag.String("password", "", "that user's password")
	hostname := flag.String("hostname", "localhost", "the host's own name (hostname, and its HostSystem's name)")
	caSigned := flag.Bool("ca-signed", false, "a certificate for the name localhost from a CA of its own (printed as caPem), as a host given a CA-signed certificate has")
	pageSize := flag.Int("page-size", 0, "objects per page of the property collector's answers (0: all at once)")
	lockdown := flag.Bool("lockdown", false, "lockdown mode: only -exception-users may log in to the API")
	exceptionUsers := flag.String("exception-users", "", "comma-separated users lockdown mode lets in")
	listen := flag.String("listen", "127.0.0.1:0", "address:port to serve the API on (port 0: any free one)")
	sshBackend := flag.String("ssh-backend", "", "host:port of the SSH server that TSM-SSH lets through while it runs")
	sshRunning := flag.Bool("ssh-running", false, "TSM-SSH runs from the start (ESXi's default: stopped)")
	sshPolicy := flag.String("ssh-policy", "off", "TSM-SSH's startup policy: on, off or automatic (ESXi's default: off)")
	fullName := flag.String("full-name", "VMware ESXi 8.0.3 build-24022510", "the product the host names (about.fullName): govmomi's model says 6.5.0")
	vsan := flag.Bool("vsan", false, "the host is a vSAN cluster member (config.vsanHostConfig.enabled)")
	flag.Parse()
	if *password == "" {
		fail(fmt.Errorf("-password is required"))
	}

	var vms []vm
	if *inventory != "" {
		data, err := os.ReadFile(*inventory)
		if err != nil {
			fail(err)
		}
		if err := json.Unmarshal(data, &vms); err != nil {
			fail(err)
		}
	}

	certificate, thumbprint, sha1Thumbprint, err := selfSignedCertificate()
	caPem := ""
	if *caSigned {
		certificate, thumbprint, sha1Thumbprint, caPem, err = caSignedCertificate()
	}
	if err != nil {
		fail(err)
	}

	esx.ServiceContent.About.FullName = *fullName
	model := simulator.ESX()
	model.Machine = 0
	if err := model.Create(); err != nil {
		fail(err)
	}
	// The model's datastores are temporary folders: gone when the host ends, also when it is powered off.
	defer model.Remove()
	removeModel = model.Remove
	for _, e := range simulator.Map.All("HostSystem") {
		host := e.(*simulator.HostSystem)
		host.Name = *hostname
		host.Summary.Config.Name = *hostname
		if dns, isDNS := host.Config.Network.DnsConfig.(*types.HostDnsConfig); isDNS {
			dns.HostName = *hostname
		}
		host.Config.Product.FullName = *fullName
		host.Summary.Config.Product.FullName = *fullName
		// Lockdown mode shows in the host's configuration as well as at login.
		if *lockdown {
			host.Config.LockdownMode = types.HostLockdownModeLockdownNormal
		}
		if *vsan {
			host.Config.VsanHostConfig.Enabled = types.NewBool(true)
			host.Config.VsanHostConfig.ClusterInfo = &types.VsanHostConfigInfoClusterInfo{Uuid: "52a1b2c3-0000-0000-0000-000000000001", NodeUuid: "5f0c6e2a-0000-0000-0000-000000000001"}
		}
	}
	ssh, err := newSSHService(*sshBackend, *sshRunning)
	if err != nil {
		fail(err)
	}
	services := newHostServiceSystem(ssh, *sshRunning, *sshPolicy)
	simulator.Map.Put(services)
	model.Service.TLS = &tls.Config{Certificates: []tls.Certificate{certificate}}
	model.Service.Listen = &url.URL{Host: *listen, User: url.UserPassword(*user, *password)}
	server := model.Service.NewServer()
	defer server.Close()
	host := &esxiHost{tools: map[string]vm{}, pageSize: *pageSize, pages: map[string][]string{}}
	if *lockdown {
		host.exceptionUsers = map[string]bool{}
		for _, name := range strings.Split(*exceptionUsers, ",") {
			if name != "" {
				host.exceptionUsers[name] = true
			}
		}
	}
	for _, v := range vms {
		host.tools[hostdName(v.Name)] = v
	}
	// What a real host does that the simulator does not (esxi-facts.md), answered in front of it.
	server.Config.Handler = host.inFront(server.Config.Handler)

	if err := addVms(server.URL, vms); err != nil {
		fail(err)
	}

	sdk := *server.URL
	sdk.User = nil
	// sha1 is for peers that pin only by SHA-1 (Debian's pyvmomi, in the benchmark).
	answer := map[string]string{"url": sdk.String(), "port": sdk.Port(), "thumbprint": thumbprint, "sha1": sha1Thumbprint}
	if ssh != nil {
		answer["sshPort"] = ssh.port()
	}
	if caPem != "" {
		answer["caPem"] = caPem
	}
	// Where the local datastore's files are, as hostd serves them at /folder (a test puts a boot log there).
	if ds, isDatastore := simulator.Map.Any("Datastore").(*simulator.Datastore); isDatastore {
		answer["datastore"] = ds.Name
		answer["datastorePath"] = ds.Info.GetDatastoreInfo().Url
	}
	ready, _ := json.Marshal(answer)
	fmt.Println(string(ready))

	// Serve until whoever started us closes our standard input (or dies).
	reader := bufio.NewReader(os.Stdin)
	for {
		if _, err := reader.ReadByte(); err != nil {
			return
		}
	}
}

// removeModel deletes the model's temporary datastore folders (a host power-off ends the process without defers).
var removeModel = func() {}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "vspheresim:", err)
	os.Exit(1)
}

// A fresh self-signed certificate for 127.0.0.1, as an ESXi host's own is self-signed.
func selfSignedCertificate() (tls.Certificate, string, string, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, "", "", err
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	template := x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "localhost.localdomain", Organization: []string{"VMware"}},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
	}
	der, err := x509.CreateCertificate(rand.Reader, &template, &template, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, "", "", err
	}
	sum := sha256.Sum256(der)
	old := sha1.Sum(der)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, hex.EncodeToString(sum[:]), hex.EncodeToString(old[:]), nil
}

// A certificate for the name localhost (and no address), signed by a fresh CA; returns the CA as PEM too.
func caSignedCertificate() (tls.Certificate, string, string, string, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, "", "", "", err
	}
	caTemplate := x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "VmBoot test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDer, err := x509.CreateCertificate(rand.Reader, &caTemplate, &caTemplate, &caKey.PublicKey, caKey)
	if err != nil {
		return tls.Certificate{}, "", "", "", err
	}
	ca, err := x509.ParseCertificate(caDer)
	if err != nil {
		return tls.Certificate{}, "", "", "", err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, "", "", "", err
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	template := x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "localhost"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, &template, ca, &key.PublicKey, caKey)
	if err != nil {
		return tls.Certificate{}, "", "", "", err
	}
	sum := sha256.Sum256(der)
	old := sha1.Sum(der)
	caPem := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDer}))
	return tls.Certificate{Certificate: [][]byte{der, caDer}, PrivateKey: key}, hex.EncodeToString(sum[:]), hex.EncodeToString(old[:]), caPem, nil
}

// Registers the inventory's VMs through the simulator's own API, as a client would.
func addVms(u *url.URL, vms []vm) error {
	ctx := context.Background()
	soapClient := soap.NewClient(u, true)
	client, err := vim25.NewClient(ctx, soapClient)
	if err != nil {
		return err
	}
	manager := session.NewManager(client)
	if err := manager.Login(ctx, u.User); err != nil {
		return err
	}
	defer func() { _ = manager.Logout(ctx) }()

	finder := find.NewFinder(client)
	datacenter, err := finder.DefaultDatacenter(ctx)
	if err != nil {
		return err
	}
	finder.SetDatacenter(datacenter)
	folders, err := datacenter.Folders(ctx)
	if err != nil {
		return err
	}
	pool, err := finder.DefaultResourcePool(ctx)
	if err != nil {
		return err
	}
	host, err := finder.DefaultHostSystem(ctx)
	if err != nil {
		return err
	}
	local, err := finder.DefaultDatastore(ctx)
	if err != nil {
		return err
	}

	for _, v := range vms {
		datastore := v.Datastore
		if datastore == "" {
			datastore = local.Name()
		}
		name := hostdName(v.Name)
		path := v.Path
		if path == "" {
			// hostd names the folder and the vmx after the escaped name.
			path = name + "/" + name + ".vmx"
		}
		guest := v.GuestID
		if guest == "" {
			guest = string(types.VirtualMachineGuestOsIdentifierOtherGuest)
		}
		spec := types.VirtualMachineConfigSpec{
			Name:       name,
			GuestId:    guest,
			Annotation: v.Notes,
			Files:      &types.VirtualMachineFileInfo{VmPathName: fmt.Sprintf("[%s] %s", datastore, path)},
		}
		if v.ManagedBy != "" {
			spec.ManagedBy = &types.ManagedByInfo{ExtensionKey: v.ManagedBy, Type: "cluster-agent"}
		}
		task, err := folders.VmFolder.CreateVM(ctx, spec, pool, host)
		if err != nil {
			return err
		}
		info, err := task.WaitForResult(ctx, nil)
		if err != nil {
			return fmt.Errorf("creating %q: %w", v.Name, err)
		}
		if v.Inaccessible {
			machine := simulator.Map.Get(info.Result.(types.ManagedObjectReference)).(*simulator.VirtualMachine)
			simulator.Map.WithLock(machine, func() {
				machine.Runtime.ConnectionState = types.VirtualMachineConnectionStateInaccessible
				machine.Summary.Runtime.ConnectionState = types.VirtualMachineConnectionStateInaccessible
				machine.Config = nil
			})
			continue
		}
		if v.PoweredOn {
			machine := object.NewVirtualMachine(client, info.Result.(types.ManagedObjectReference))
			on, err := machine.PowerOn(ctx)
			if err != nil {
				return err
			}
			if err := on.Wait(ctx); err != nil {
				return err
			}
		}
	}
	return nil
}

// hostd keeps / \ and % in a VM's name escaped (esxi-facts.md); govmomi's simulator stores names as given.
func hostdName(name string) string {
	return strings.NewReplacer("%", "%25", "/", "%2f", "\\", "%5c").Replace(name)
}

// esxiHost answers what govmomi's ESX model lacks: power-on refused in maintenance mode, maintenance mode entered
// only once no VM runs, guest shutdown only with Tools and taking the guest's time, heartbeats and Tools state that follow the power state, and a host power-off
// whose answer never comes (the connection drops, then the host stops answering).
type esxiHost struct {
	tools map[string]vm
	// Objects per page of the property collector's answer (0: as the model answers, all at once). hostd may
	// return fewer than maxObjects, with a token for the rest: this makes the client page.
	pageSize int
	pagesMu  sync.Mutex
	pages    map[string][]string
	nextPage int
	// Lockdown mode: only these users may log in to the API (root only if listed); nil when lockdown is off.
	exceptionUsers map[string]bool
}

var (
	thisOf    = regexp.MustCompile(`<_this[^>]*>([^<]*)</_this>`)
	forcedOf  = regexp.MustCompile(`<force>(true|1)</force>`)
	timeoutOf = regexp.MustCompile(`<timeout>(\d+)</timeout>`)
	userOf    = regexp.MustCompile(`<userName>([^<]*)</userName>`)
	tokenOf   = regexp.MustCompile(`<token>([^<]*)</token>`)
	objectsOf = regexp.MustCompile(`(?s)<objects>.*?</objects>`)
)

func (h *esxiHost) inFront(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || !strings.HasPrefix(r.URL.Path, "/sdk") {
			next.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		text := string(body)
		// Every call sees Tools and heartbeats as the power state has them now, not as a poll last saw them.
		h.followGuests()
		this := ""
		if m := thisOf.FindStringSubmatch(text); m != nil {
			this = m[1]
		}
		switch {
		case strings.Contains(text, "<Login ") && h.exceptionUsers != nil:
			if m := userOf.FindStringSubmatch(text); m == nil || !h.exceptionUsers[m[1]] {
				fault(w, "NoPermission", "Permission to perform this operation was denied.")
				return
			}
		case strings.Contains(text, "<RetrievePropertiesEx") && h.pageSize > 0:
			recorder := httptest.NewRecorder()
			next.ServeHTTP(recorder, r)
			w.Header().Set("Content-Type", "text/xml; charset=utf-8")
			w.WriteHeader(recorder.Code)
			_, _ = w.Write([]byte(h.firstPage(recorder.Body.String())))
			return
		case strings.Contains(text, "<ContinueRetrievePropertiesEx"):
			m := tokenOf.FindStringSubmatch(text)
			if m == nil {
				break
			}
			page, ok := h.nextPageOf(m[1])
			if !ok {
				fault(w, "InvalidArgument", "A specified parameter was not correct: token")
				return
			}
			answer(w, "ContinueRetrievePropertiesExResponse", "<returnval>"+page+"</returnval>")
			return
		case strings.Contains(text, "<PowerOnVM_Task"):
			if h.inMaintenanceMode() {
				fault(w, "InvalidState", "The operation is not allowed in the current state of the host.")
				return
			}
		case strings.Contains(text, "<ShutdownGuest"):
			v, running := h.guest(this)
			if !running {
				fault(w, "ToolsUnavailable", "Cannot complete operation because VMware Tools is not running in this virtual machine.")
				return
			}
			// Returns at once; the guest goes down in its own time (the request replayed then powers it off).
			delay := time.Second
			if v.ShutdownS != nil {
				delay = time.Duration(*v.ShutdownS) * time.Second
			}
			replay := r.Clone(context.Background())
			go func() {
				time.Sleep(delay)
				replay.Body = io.NopCloser(bytes.NewReader(body))
				next.ServeHTTP(httptest.NewRecorder(), replay)
			}()
			ok(w, "ShutdownGuestResponse")
			return
		case strings.Contains(text, "<EnterMaintenanceMode_Task"):
			// The model enters at once; a real host's task runs until no VM is powered on, or fails at its timeout.
			host, isHost := simulator.Map.Get(types.ManagedObjectReference{Type: "HostSystem", Value: this}).(*simulator.HostSystem)
			if !isHost {
				break
			}
			timeout := time.Duration(0)
			if m := timeoutOf.FindStringSubmatch(text); m != nil {
				seconds, _ := strconv.Atoi(m[1])
				timeout = time.Duration(seconds) * time.Second
			}
			task := simulator.CreateTask(host, "enterMaintenanceMode", func(*simulator.Task) (types.AnyType, types.BaseMethodFault) {
				deadline := time.Now().Add(timeout)
				for h.anyPoweredOn() {
					if timeout > 0 && time.Now().After(deadline) {
						return nil, &types.Timedout{}
					}
					time.Sleep(100 * time.Millisecond)
				}
				simulator.Map.WithLock(host, func() { host.Runtime.InMaintenanceMode = true })
				return nil, nil
			})
			go task.Run()
			answer(w, "EnterMaintenanceMode_TaskResponse", fmt.Sprintf(`<returnval type="Task">%s</returnval>`, task.Self.Value))
			return
		case strings.Contains(text, "<ShutdownHost_Task"):
			if !h.inMaintenanceMode() && !forcedOf.MatchString(text) {
				fault(w, "InvalidState", "The operation is not allowed in the current state of the host.")
				return
			}
			// On a direct connection the answer never comes: the connection drops and the host goes down.
			if hijacker, can := w.(http.Hijacker); can {
				if conn, _, err := hijacker.Hijack(); err == nil {
					_ = conn.Close()
				}
			}
			go func() {
				time.Sleep(300 * time.Millisecond)
				removeModel()
				os.Exit(0)
			}()
			return
		}
		next.ServeHTTP(w, r)
	})
}

// The first pageSize objects of a RetrievePropertiesEx answer, the rest kept under a token the answer gives.
func (h *esxiHost) firstPage(body string) string {
	objects := objectsOf.FindAllString(body, -1)
	if len(objects) <= h.pageSize {
		return body
	}
	first := objectsOf.FindStringIndex(body)
	last := objectsOf.FindAllStringIndex(body, -1)[len(objects)-1]
	rest := h.keep(objects[h.pageSize:])
	return body[:first[0]] + "<token>" + rest + "</token>" + strings.Join(objects[:h.pageSize], "") + body[last[1]:]
}

func (h *esxiHost) keep(objects []string) string {
	h.pagesMu.Lock()
	defer h.pagesMu.Unlock()
	h.nextPage++
	token := fmt.Sprintf("page-%d", h.nextPage)
	h.pages[token] = objects
	return token
}

// The next page for a token, with a token for what is left after it.
func (h *esxiHost) nextPageOf(token string) (string, bool) {
	h.pagesMu.Lock()
	objects, ok := h.pages[token]
	delete(h.pages, token)
	h.pagesMu.Unlock()
	if !ok {
		return "", false
	}
	if len(objects) <= h.pageSize {
		return strings.Join(objects, ""), true
	}
	return "<token>" + h.keep(objects[h.pageSize:]) + "</token>" + strings.Join(objects[:h.pageSize], ""), true
}

func (h *esxiHost) anyPoweredOn() bool {
	for _, e := range simulator.Map.All("VirtualMachine") {
		machine := e.(*simulator.VirtualMachine)
		on := false
		simulator.Map.WithLock(machine, func() { on = machine.Runtime.PowerState == types.VirtualMachinePowerStatePoweredOn })
		if on {
			return true
		}
	}
	return false
}

func (h *esxiHost) inMaintenanceMode() bool {
	for _, e := range simulator.Map.All("HostSystem") {
		host := e.(*simulator.HostSystem)
		inMaintenance := false
		simulator.Map.WithLock(host, func() { inMaintenance = host.Runtime.InMaintenanceMode })
		if inMaintenance {
			return true
		}
	}
	return false
}

// The inventory entry of VM id, and whether its Tools run now.
func (h *esxiHost) guest(id string) (vm, bool) {
	obj := simulator.Map.Get(types.ManagedObjectReference{Type: "VirtualMachine", Value: id})
	machine, isVM := obj.(*simulator.VirtualMachine)
	if !isVM {
		return vm{}, false
	}
	running := false
	name := ""
	simulator.Map.WithLock(machine, func() {
		name = machine.Name
		running = machine.Guest != nil && machine.Guest.ToolsRunningStatus == string(types.VirtualMachineToolsRunningStatusGuestToolsRunning)
	})
	return h.tools[name], running
}

// Tools and heartbeats follow each guest's power state, as VMware Tools in a running guest would report them.
func (h *esxiHost) followGuests() {
	for _, e := range simulator.Map.All("VirtualMachine") {
		machine := e.(*simulator.VirtualMachine)
		simulator.Map.WithLock(machine, func() {
			on := machine.Runtime.PowerState == types.VirtualMachinePowerStatePoweredOn
			status, heartbeat := types.VirtualMachineToolsRunningStatusGuestToolsNotRunning, types.ManagedEntityStatusGray
			if on && h.tools[machine.Name].Tools {
				status, heartbeat = types.VirtualMachineToolsRunningStatusGuestToolsRunning, types.ManagedEntityStatusGreen
			}
			if machine.Guest == nil {
				machine.Guest = &types.GuestInfo{}
			}
			machine.Guest.ToolsRunningStatus = string(status)
			machine.GuestHeartbeatStatus = heartbeat
			machine.Summary.QuickStats.GuestHeartbeatStatus = heartbeat
		})
	}
}

func fault(w http.ResponseWriter, kind, message string) {
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(http.StatusInternalServerError)
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>%s</faultstring><detail><%sFault xmlns="urn:vim25" xsi:type="%s"></%sFault></detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>`, message, kind, kind, kind)
}

func ok(w http.ResponseWriter, response string) {
	answer(w, response, "")
}

func answer(w http.ResponseWriter, response, content string) {
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><%s xmlns="urn:vim25">%s</%s></soapenv:Body></soapenv:Envelope>`, response, content, response)
}

// hostServiceSystem is the host's configManager.serviceSystem, which the ESX model names but does not serve: its
// services as the host's config.service lists them (TSM-SSH stopped, policy off, unless the flags say otherwise).
type hostServiceSystem struct {
	mo.HostServiceSystem
	ssh *sshService
}

func newHostServiceSystem(ssh *sshService, sshRunning bool, sshPolicy string) *hostServiceSystem {
	if !validPolicy(sshPolicy) {
		fail(fmt.Errorf("-ssh-policy %q: on, off or automatic", sshPolicy))
	}
	s := &hostServiceSystem{ssh: ssh}
	s.Self = types.ManagedObjectReference{Type: "HostServiceSystem", Value: "serviceSystem"}
	for _, e := range simulator.Map.All("HostSystem") {
		host := e.(*simulator.HostSystem)
		if host.ConfigManager.ServiceSystem != nil {
			s.Self = *host.ConfigManager.ServiceSystem
		}
		if host.Config != nil && host.Config.Service != nil {
			s.ServiceInfo.Service = append([]types.HostService(nil), host.Config.Service.Service...)
		}
	}
	s.set("TSM-SSH", func(service *types.HostService) {
		service.Running = sshRunning
		service.Policy = sshPolicy
	})
	return s
}

func validPolicy(policy string) bool {
	return policy == "on" || policy == "off" || policy == "automatic"
}

// set changes one service here and in the host's config.service, so both views agree.
func (s *hostServiceSystem) set(id string, change func(*types.HostService)) bool {
	found := false
	for i := range s.ServiceInfo.Service {
		if s.ServiceInfo.Service[i].Key == id {
			change(&s.ServiceInfo.Service[i])
			found = true
		}
	}
	for _, e := range simulator.Map.All("HostSystem") {
		host := e.(*simulator.HostSystem)
		if host.Config == nil || host.Config.Service == nil {
			continue
		}
		for i := range host.Config.Service.Service {
			if host.Config.Service.Service[i].Key == id {
				change(&host.Config.Service.Service[i])
			}
		}
	}
	return found
}

func (s *hostServiceSystem) run(id string, running bool) *soap.Fault {
	if id == "TSM-SSH" && s.ssh != nil {
		// hostd runs the service's init script (/etc/init.d/SSH start|stop) and answers when it has ended.
		time.Sleep(time.Second)
		var err error
		if running {
			err = s.ssh.start()
		} else {
			s.ssh.stop()
		}
		if err != nil {
			return simulator.Fault(err.Error(), &types.HostConfigFault{})
		}
	}
	if !s.set(id, func(service *types.HostService) { service.Running = running }) {
		return simulator.Fault("", &types.NotFound{})
	}
	return nil
}

func (s *hostServiceSystem) StartService(req *types.StartService) soap.HasFault {
	body := &methods.StartServiceBody{}
	if body.Fault_ = s.run(req.Id, true); body.Fault_ == nil {
		body.Res = &types.StartServiceResponse{}
	}
	return body
}

func (s *hostServiceSystem) StopService(req *types.StopService) soap.HasFault {
	body := &methods.StopServiceBody{}
	if body.Fault_ = s.run(req.Id, false); body.Fault_ == nil {
		body.Res = &types.StopServiceResponse{}
	}
	return body
}

func (s *hostServiceSystem) UpdateServicePolicy(req *types.UpdateServicePolicy) soap.HasFault {
	body := &methods.UpdateServicePolicyBody{}
	if !validPolicy(req.Policy) {
		body.Fault_ = simulator.Fault("", &types.InvalidArgument{InvalidProperty: "policy"})
		return body
	}
	if !s.set(req.Id, func(service *types.HostService) { service.Policy = req.Policy }) {
		body.Fault_ = simulator.Fault("", &types.NotFound{})
		return body
	}
	body.Res = &types.UpdateServicePolicyResponse{}
	return body
}

// sshService is the port where the host's SSH answers: open while TSM-SSH runs (each connection forwarded to
// the backend SSH server), closed while it is stopped. Sessions already open stay open when it stops, as sshd's
// children do on ESXi.
type sshService struct {
	backend  string
	mu       sync.Mutex
	address  string
	listener net.Listener
}

func newSSHService(backend string, running bool) (*sshService, error) {
	if backend == "" {
		return nil, nil
	}
	s := &sshService{backend: backend, address: "127.0.0.1:0"}
	if err := s.start(); err != nil {
		return nil, err
	}
	if !running {
		s.stop()
	}
	return s, nil
}

func (s *sshService) port() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, port, _ := net.SplitHostPort(s.address)
	return port
}

func (s *sshService) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.listener != nil {
		return nil
	}
	listener, err := net.Listen("tcp", s.address)
	if err != nil {
		return fmt.Errorf("SSH could not listen on %s: %w", s.address, err)
	}
	s.listener = listener
	s.address = listener.Addr().String()
	go s.serve(listener)
	return nil
}

func (s *sshService) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.listener != nil {
		_ = s.listener.Close()
		s.listener = nil
	}
}

func (s *sshService) serve(listener net.Listener) {
	for {
		client, err := listener.Accept()
		if err != nil {
			return
		}
		go func() {
			defer client.Close()
			server, err := net.Dial("tcp", s.backend)
			if err != nil {
				return
			}
			defer server.Close()
			done := make(chan struct{}, 2)
			go func() { _, _ = io.Copy(server, client); done <- struct{}{} }()
			go func() { _, _ = io.Copy(client, server); done <- struct{}{} }()
			<-done
		}()
	}
}
