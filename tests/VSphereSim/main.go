// vspheresim serves one simulated ESXi host's vSphere Web Services API (govmomi's simulator, ESX model) over
// HTTPS on loopback, with the VMs of an inventory file, for VmBoot's tests. It prints one JSON line (the SDK
// URL and the certificate's SHA-256 thumbprint) when it is ready and serves until its standard input closes.
//
// Built in GOPATH mode against Debian's golang-github-vmware-govmomi-dev (see build.sh).
package main

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/session"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// vm is one VM of the inventory file.
type vm struct {
	Name      string `json:"name"`
	GuestID   string `json:"guestId"`
	Datastore string `json:"datastore"` // empty: the host's local datastore
	Path      string `json:"path"`      // vmx path within the datastore; default <name>/<name>.vmx
	Notes     string `json:"notes"`
	ManagedBy string `json:"managedBy"` // an extension key, e.g. com.vmware.vim.eam for vCLS
	PoweredOn bool   `json:"poweredOn"`
}

func main() {
	inventory := flag.String("inventory", "", "JSON file: an array of VMs")
	user := flag.String("user", "root", "the only user that may log in")
	password := flag.String("password", "", "that user's password")
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

	certificate, thumbprint, err := selfSignedCertificate()
	if err != nil {
		fail(err)
	}

	model := simulator.ESX()
	model.Machine = 0
	if err := model.Create(); err != nil {
		fail(err)
	}
	model.Service.TLS = &tls.Config{Certificates: []tls.Certificate{certificate}}
	model.Service.Listen = &url.URL{Host: "127.0.0.1:0", User: url.UserPassword(*user, *password)}
	server := model.Service.NewServer()
	defer server.Close()

	if err := addVms(server.URL, vms); err != nil {
		fail(err)
	}

	sdk := *server.URL
	sdk.User = nil
	ready, _ := json.Marshal(map[string]string{"url": sdk.String(), "port": sdk.Port(), "thumbprint": thumbprint})
	fmt.Println(string(ready))

	// Serve until whoever started us closes our standard input (or dies).
	reader := bufio.NewReader(os.Stdin)
	for {
		if _, err := reader.ReadByte(); err != nil {
			return
		}
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "vspheresim:", err)
	os.Exit(1)
}

// A fresh self-signed certificate for 127.0.0.1, as an ESXi host's own is self-signed.
func selfSignedCertificate() (tls.Certificate, string, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, "", err
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
		return tls.Certificate{}, "", err
	}
	sum := sha256.Sum256(der)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, hex.EncodeToString(sum[:]), nil
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
