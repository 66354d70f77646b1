// Package demo fills an account with realistic sample data for trying
// SympoQ out, for screenshots and for load tests. The same seed gives the
// same data; running it again adds nothing that is already there.
package demo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/desk"
	"github.com/sympoq/sympoq/internal/store"
)

// Options size the data.
type Options struct {
	Customers int
	Seed      int64
}

// Summary counts what Fill created.
type Summary struct {
	Queues, Topics, Groups, Agents, Customers int
	Categories, Articles                      int // knowledge base
}

func (s Summary) String() string {
	return fmt.Sprintf("%d queues, %d topics, %d groups, %d agents, %d customers, %d knowledge-base categories, %d articles created",
		s.Queues, s.Topics, s.Groups, s.Agents, s.Customers, s.Categories, s.Articles)
}

// AgentPassword is the password of every demo agent and registered demo
// customer, so that people trying SympoQ can sign in as them.
const AgentPassword = "sympoq-demo"

var (
	queueNames = []string{"Support", "Sales", "Billing"}
	topicNames = []string{"General questions", "Technical issue", "Billing question", "Feature request",
		"Account access", "Order status"}
	groupNames = []string{"VIP", "Partners", "Resellers", "Education", "Standard"}
	agents     = []struct {
		name  string
		admin bool
		roles map[string]sympoq.QueueRole
	}{
		{"James Conrad", true, nil},
		{"Maria Lopez", false, map[string]sympoq.QueueRole{"Inbox": sympoq.RoleQueueManager, "Support": sympoq.RoleQueueManager}},
		{"Wei Chen", false, map[string]sympoq.QueueRole{"Support": sympoq.RoleAgent, "Inbox": sympoq.RoleAgent}},
		{"Amara Okafor", false, map[string]sympoq.QueueRole{"Support": sympoq.RoleAgent}},
		{"Lukas Weber", false, map[string]sympoq.QueueRole{"Support": sympoq.RoleAgent, "Billing": sympoq.RoleAgent}},
		{"Sofia Rossi", false, map[string]sympoq.QueueRole{"Sales": sympoq.RoleQueueManager}},
		{"Daniel Kim", false, map[string]sympoq.QueueRole{"Sales": sympoq.RoleAgent}},
		{"Priya Nair", false, map[string]sympoq.QueueRole{"Sales": sympoq.RoleAgent, "Inbox": sympoq.RoleAgent}},
		{"Oliver Smith", false, map[string]sympoq.QueueRole{"Billing": sympoq.RoleQueueManager}},
		{"Fatima Haddad", false, map[string]sympoq.QueueRole{"Billing": sympoq.RoleAgent}},
		{"Tomás García", false, map[string]sympoq.QueueRole{"Inbox": sympoq.RoleAgent, "Support": sympoq.RoleAgent}},
		{"Hannah Müller", false, map[string]sympoq.QueueRole{"Inbox": sympoq.RoleQueueManager}},
	}
	firstNames = []string{"Houston", "Emma", "Liam", "Olivia", "Noah", "Ava", "Ethan", "Mia", "Lucas", "Chloe",
		"Mateo", "Zoe", "Arjun", "Yuki", "Ines", "Kofi", "Lena", "Omar", "Sara", "Jonas", "Aiko", "Diego",
		"Nora", "Ravi", "Elif", "Marek", "Hana", "Tariq", "Greta", "Pablo"}
	lastNames = []string{"Brooks", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis",
		"Martinez", "Hernandez", "Lopez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson",
		"Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis",
		"Robinson", "Walker", "Young", "Novak", "Silva", "Tanaka", "Schmidt", "Dubois", "Kowalski"}
	companies = []struct{ name, domain, country, city string }{
		{"Initech", "initech.example", "US", "Austin"},
		{"Globex", "globex.example", "US", "Springfield"},
		{"Umbrella Health", "umbrella.example", "GB", "London"},
		{"Stark Logistics", "stark.example", "DE", "Hamburg"},
		{"Wayne Foods", "waynefoods.example", "FR", "Lyon"},
		{"Acme Tools", "acme.example", "CA", "Toronto"},
		{"Tyrell Labs", "tyrell.example", "JP", "Osaka"},
		{"Soylent Farms", "soylent.example", "BR", "Curitiba"},
		{"Hooli", "hooli.example", "IN", "Bengaluru"},
		{"Vandelay Imports", "vandelay.example", "IT", "Milan"},
		{"Cyberdyne", "cyberdyne.example", "ES", "Valencia"},
		{"Oceanic Air", "oceanic.example", "AU", "Sydney"},
	}
)

// Fill adds the sample data to an account through the use cases.
func Fill(ctx context.Context, d *desk.Service, accountID int64, o Options) (Summary, error) {
	var sum Summary
	sys := desk.System(accountID)
	rng := rand.New(rand.NewPCG(uint64(o.Seed), 0x5eed))

	queues, err := d.Queues(ctx, sys)
	if err != nil {
		return sum, err
	}
	queueID := map[string]int64{}
	for _, q := range queues {
		queueID[q.Name] = q.ID
	}
	for i, n := range queueNames {
		if queueID[n] != 0 {
			continue
		}
		q, err := d.SaveQueue(ctx, sys, 0, desk.ItemInput{Name: desk.Some(n), Sequence: desk.Some(20 + 10*i),
			Addresses: desk.Some([]string{strings.ToLower(n) + fmt.Sprintf("@a%d.sympoq.example", accountID)})})
		if err != nil {
			return sum, fmt.Errorf("queue %s: %w", n, err)
		}
		queueID[n] = q.ID
		sum.Queues++
	}

	topics, err := d.Topics(ctx, sys)
	if err != nil {
		return sum, err
	}
	haveTopic := map[string]bool{}
	for _, t := range topics {
		haveTopic[t.Name] = true
	}
	topicQueue := map[string]string{"Technical issue": "Support", "Billing question": "Billing", "Order status": "Sales"}
	for _, n := range topicNames {
		if haveTopic[n] {
			continue
		}
		in := desk.ItemInput{Name: desk.Some(n)}
		if q := topicQueue[n]; q != "" {
			in.Queue = desk.Some(queueID[q])
		}
		if _, err := d.SaveTopic(ctx, sys, 0, in); err != nil {
			return sum, fmt.Errorf("topic %s: %w", n, err)
		}
		sum.Topics++
	}

	groups, err := d.Groups(ctx, sys)
	if err != nil {
		return sum, err
	}
	groupID := map[string]int64{}
	for _, g := range groups {
		groupID[g.Name] = g.ID
	}
	for _, n := range groupNames {
		if groupID[n] != 0 {
			continue
		}
		g, err := d.SaveGroup(ctx, sys, 0, desk.ItemInput{Name: desk.Some(n)})
		if err != nil {
			return sum, fmt.Errorf("group %s: %w", n, err)
		}
		groupID[n] = g.ID
		sum.Groups++
	}
	fields, err := d.CustomFields(ctx, sys)
	if err != nil {
		return sum, err
	}
	haveField := map[string]bool{}
	for _, f := range fields {
		haveField[f.Key] = true
	}
	for _, f := range []desk.CustomFieldInput{
		{Label: desk.Some("Browser"), Key: desk.Some("browser"), Type: desk.Some(sympoq.CustomSelect),
			Options: desk.Some([]string{"Chrome", "Firefox", "Safari", "Edge", "Other"})},
		{Label: desk.Some("Timing"), Key: desk.Some("timing"), Type: desk.Some(sympoq.CustomDatetime)},
		{Label: desk.Some("Order number"), Key: desk.Some("order_number"), Type: desk.Some(sympoq.CustomText)},
	} {
		if haveField[f.Key.V] {
			continue
		}
		if _, err := d.SaveCustomField(ctx, sys, 0, f); err != nil {
			return sum, fmt.Errorf("custom field %s: %w", f.Key.V, err)
		}
	}
	if err := fillKB(ctx, d, sys, groupID, &sum); err != nil {
		return sum, err
	}
	for _, t := range []string{"Help/Assistance", "Bug", "Refund", "Urgent/Outage", "Feedback"} {
		_, err := d.SaveTag(ctx, sys, 0, desk.ItemInput{Name: desk.Some(t)})
		if err != nil && !duplicate(err) {
			return sum, fmt.Errorf("tag %s: %w", t, err)
		}
	}

	for _, ag := range agents {
		var perms []desk.Permission
		for _, q := range []string{"Inbox", "Support", "Sales", "Billing"} {
			if role, ok := ag.roles[q]; ok {
				perms = append(perms, desk.Permission{Queue: queueID[q], Role: role})
			}
		}
		first, last, _ := strings.Cut(ag.name, " ")
		email := asciiLower(first) + "." + asciiLower(last) + "@sympoq.example"
		in := desk.UserInput{Name: desk.Some(ag.name), Email: desk.Some(email), Password: desk.Some(AgentPassword),
			Administrator: desk.Some(ag.admin), Signature: desk.Some("--\n" + ag.name + "\nCustomer Support"),
			Permissions: desk.Some(perms)}
		if _, err := d.CreateUser(ctx, sys, sympoq.KindAgent, in); err != nil {
			if duplicate(err) {
				continue
			}
			return sum, fmt.Errorf("agent %s: %w", ag.name, err)
		}
		sum.Agents++
	}

	// Customers: one shared hash for the registered ones keeps seeding fast.
	hash := desk.HashPassword(AgentPassword)
	var registered []int64
	for i := 0; i < o.Customers; i++ {
		first, last := firstNames[rng.IntN(len(firstNames))], lastNames[rng.IntN(len(lastNames))]
		c := companies[rng.IntN(len(companies))]
		email := fmt.Sprintf("%s.%s%d@%s", asciiLower(first), asciiLower(last), i, c.domain)
		in := desk.UserInput{Name: desk.Some(first + " " + last), Email: desk.Some(email),
			Company: desk.Some(c.name), Country: desk.Some(c.country), City: desk.Some(c.city),
			Phone: desk.Some(fmt.Sprintf("+1 555 %04d", rng.IntN(10000))), ExternalID: desk.Some(fmt.Sprintf("CRM-%05d", 1000+i))}
		switch r := rng.IntN(10); {
		case r < 2:
			in.Group = desk.Some(desk.Ref{ID: groupID["VIP"]})
		case r < 7:
			in.Group = desk.Some(desk.Ref{ID: groupID[groupNames[1+rng.IntN(len(groupNames)-1)]]})
		}
		if rng.IntN(10) == 0 {
			in.Role = desk.Some(sympoq.RoleCustomerManager)
		}
		u, err := d.CreateUser(ctx, sys, sympoq.KindCustomer, in)
		if err != nil {
			if duplicate(err) {
				continue
			}
			return sum, fmt.Errorf("customer %d: %w", i, err)
		}
		sum.Customers++
		if rng.IntN(10) < 7 {
			registered = append(registered, u.ID)
		}
	}
	err = d.DB().Tx(ctx, func(tx *store.Tx) error {
		for _, id := range registered {
			u, err := tx.User(ctx, accountID, id)
			if err != nil {
				return err
			}
			if u.Username == "" {
				u.Username = fmt.Sprintf("cust%d", id)
				if len(u.Email) <= 31 {
					u.Username = u.Email
				}
				if err := tx.UpdateUser(ctx, u); err != nil {
					return err
				}
			}
			if err := tx.SetUserPassword(ctx, accountID, id, hash); err != nil {
				return err
			}
		}
		return nil
	})
	return sum, err
}

func duplicate(err error) bool {
	var e *sympoq.Error
	if errors.As(err, &e) {
		for _, f := range e.Fields {
			if f.Code == sympoq.FieldDuplicate {
				return true
			}
		}
	}
	return false
}

// asciiLower folds a name into an email-safe local part.
func asciiLower(s string) string {
	r := strings.NewReplacer("á", "a", "à", "a", "â", "a", "ä", "a", "é", "e", "è", "e", "ê", "e", "í", "i",
		"ï", "i", "ó", "o", "ö", "o", "ô", "o", "ú", "u", "ü", "u", "ñ", "n", "ç", "c")
	return strings.ToLower(r.Replace(s))
}
